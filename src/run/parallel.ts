/**
 * Planning on two cores. A worker thread builds the same repo model from disk and plans files too:
 * the main thread and the worker each claim the next unplanned file from a shared counter, so the
 * faster one plans more, and the outcomes are merged in file order (planChanges), so the plan is
 * the one a single thread makes whichever thread planned a file.
 *
 * The main thread waits for the worker synchronously (the engine's API is synchronous): the worker
 * posts each outcome on a MessagePort and bumps a shared counter main waits on. Whatever the
 * worker cannot deliver — it failed, its model lists other files (the tree changed between the two
 * reads), a file threw there — main plans itself, so an error surfaces exactly as it would without
 * the worker.
 */
import { MessageChannel, receiveMessageOnPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import type { FileOutcome, FilePlanner, PlanSharing } from './plan.js';

/** Int32 slots of the shared counters. */
const NEXT = 0; // the next file index to claim
const POSTED = 1; // messages the worker has posted

/** Give up on a worker that has posted nothing for this long (it died without a word) and plan its files here. */
const STALL_MS = 60_000;

type WorkerMessage = { paths: string[] } | { index: number; outcome: FileOutcome | null } | { fatal: string };

interface SharedData<Job> {
  counters: SharedArrayBuffer;
  port: MessagePort;
  job: Job;
}

/**
 * Starts the worker `script` (which calls {@link servePlanShare}) on `job`; null when a worker cannot
 * be started. The worker begins building its model at once, while the caller builds its own.
 */
export function startPlanWorker<Job>(script: URL, job: Job): PlanSharing | null {
  const counters = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  let worker: Worker;
  try {
    const data: SharedData<Job> = { counters: counters.buffer as SharedArrayBuffer, port: port2, job };
    worker = new Worker(script, { workerData: data, transferList: [port2] });
  } catch {
    return null;
  }
  worker.unref(); // never keeps the process alive
  worker.on('error', () => undefined); // reported through the port when it can be; main plans its files otherwise
  return {
    planAll(planner: FilePlanner): FileOutcome[] {
      const { paths } = planner;
      const outcomes: (FileOutcome | undefined)[] = new Array(paths.length);
      const plannedHere: boolean[] = new Array(paths.length).fill(false);
      for (let i = Atomics.add(counters, NEXT, 1); i < paths.length; i = Atomics.add(counters, NEXT, 1)) {
        outcomes[i] = planner.planFile(paths[i] as string);
        plannedHere[i] = true;
      }
      let missing = plannedHere.filter((here) => !here).length;
      if (process.env.ECSFIX_DEBUG_SHARE) process.stderr.write(`main planned ${paths.length - missing} of ${paths.length}\n`);
      let consumed = 0;
      let trusted = true;
      let lastHeard = Date.now();
      while (missing > 0 && trusted) {
        const received = receiveMessageOnPort(port1);
        if (!received) {
          if (Atomics.wait(counters, POSTED, consumed, 1000) === 'timed-out' && Date.now() - lastHeard > STALL_MS) break;
          continue;
        }
        consumed++;
        lastHeard = Date.now();
        const message = received.message as WorkerMessage;
        if ('fatal' in message) break;
        if ('paths' in message) trusted = message.paths.length === paths.length && message.paths.every((p, i) => p === paths[i]);
        else {
          if (message.outcome) outcomes[message.index] = message.outcome;
          missing--;
        }
      }
      void worker.terminate();
      port1.close();
      // What the worker did not deliver, or delivered from a model of other files: planned here.
      return paths.map((path, i) => (plannedHere[i] || (trusted && outcomes[i]) ? (outcomes[i] as FileOutcome) : planner.planFile(path)));
    },
  };
}

/** The worker's side: builds its planner from the job, then plans files until none is left to claim. */
export function servePlanShare<Job>(makePlanner: (job: Job) => FilePlanner): void {
  const { counters: buffer, port, job } = workerData as SharedData<Job>;
  const counters = new Int32Array(buffer);
  const post = (message: WorkerMessage) => {
    port.postMessage(message);
    Atomics.add(counters, POSTED, 1);
    Atomics.notify(counters, POSTED);
  };
  try {
    const planner = makePlanner(job);
    post({ paths: planner.paths });
    for (let i = Atomics.add(counters, NEXT, 1); i < planner.paths.length; i = Atomics.add(counters, NEXT, 1)) {
      let outcome: FileOutcome | null = null;
      try {
        outcome = planner.planFile(planner.paths[i] as string);
      } catch {
        outcome = null; // main plans the file again and reports the error as it would alone
      }
      post({ index: i, outcome });
    }
  } catch (error) {
    post({ fatal: String(error) });
  }
  port.close();
}
