/**
 * Planning on two cores. Once the main thread has built the repo model, a worker thread gets a copy
 * of it. The files either thread may plan form one list, the TS/JS sources first and the Dockerfiles
 * last: the worker claims from the front, the sources (the codemods: the largest share of planning,
 * in the order it read their facts and kept their parses), and then Dockerfiles if it runs out of
 * sources first; main plans the compose files (the model's documents do not cross threads) and then
 * claims from the back, the Dockerfiles whose parses it holds. Outcomes are merged in file order
 * (planChanges), so the plan is the one a single thread makes, whichever thread planned a file.
 *
 * The copy leaves out what is costly to copy or does not cross threads: the parsed Dockerfiles
 * (dockerfile-ast objects, most of the model's size) and the ignore-file matchers (functions). The
 * worker reads them again from the same files when first asked for. Whatever the worker cannot
 * deliver (a file threw there, the worker failed to start or fell silent) the main thread plans
 * itself, so an error surfaces exactly as it would without the worker.
 *
 * On a large repo the worker starts as soon as the repo's files are listed: while main builds the
 * model from the Dockerfiles, compose files and packages, the worker reads the JS/TS sources' facts
 * (parsing them is the model's largest cost) and hands them over; the model takes them when it
 * reaches a file, and reads itself what has not arrived. The worker keeps the parses of the sources
 * its codemods will read and reshapes them for the codemods while it waits (src/source/keptParses.ts).
 *
 * The main thread waits synchronously (the engine's API is synchronous): the worker posts each
 * facts and outcome message on a MessagePort and bumps a shared counter main waits on.
 */
import { MessageChannel, receiveMessageOnPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import type { DockerfileEntry, RepoModel } from '../repo/model.js';
import { parseDockerfile } from '../repo/dockerfile.js';
import { parseDockerignore } from '../dockerfile/dockerignore.js';
import { knownSyntax, mayMatter, offerFacts, rememberSyntax, sourceFacts, supplyFacts, type JsSourceFacts, type KnownSyntax } from '../source/index.js';
import { mayBeJsSource } from '../repo/discover.js';
import { prepareKeptParses } from './codemod.js';
import { keepParse } from '../source/keptParses.js';
import { prepareOxcRawTransfer } from '../source/oxc.js';
import { readRepoFile, type FileOutcome, type FilePlanner, type PlanSharing } from './plan.js';

/** Int32 slots of the shared counters. */
const FRONT = 0; // the next shared file the worker claims
const POSTED = 1; // messages the worker has posted
const BACK = 2; // one past the next shared file main claims
const LOCK = 3; // held while a claim moves FRONT or BACK

/** Give up on a worker that has posted nothing for this long (it died without a word) and plan its files here. */
const STALL_MS = 60_000;

/** Below this many shared files a worker costs more (starting it, loading the codemods again) than it saves. */
export const MIN_SHARED_FILES = 100;

/**
 * A repo with this many files gets its worker started while the model is built (loading its code
 * takes a few hundred ms), and its parses made through oxc's raw transfer (src/run/engine.ts).
 */
export const WARM_UP_FILES = 400;

type WorkerMessage = { index: number; outcome: FileOutcome | null } | { fatal: string } | { facts: { path: string; text: string; facts: JsSourceFacts } };

/**
 * What main sends: first, on a warm start, the sources to read the facts of ahead of the model (and
 * the tokens of the sources whose parses to keep for the codemods); then the job.
 */
type MainMessage<Job> = { prefetch: { root: string; paths: string[]; keep: { source: string; flags: string }[] } } | { job: WorkerJob<Job> };

/** The repo model as it crosses to the worker (see {@link portableModel}). */
export type PortableModel = Omit<RepoModel, 'dockerfiles' | IgnoreMatchers> & {
  dockerfiles: Map<string, Omit<DockerfileEntry, 'parsed'> & { parsed: null; hadParse: boolean }>;
  /** Each matcher map's keys with the ignore file each was read from. */
  ignoreFiles: Partial<Record<IgnoreMatchers, [string, string][]>>;
};

/** The model's ignore-file matchers (functions, which do not cross threads). */
type IgnoreMatchers = 'dockerignores' | 'dockerfileIgnores';
const IGNORE_MATCHERS: IgnoreMatchers[] = ['dockerignores', 'dockerfileIgnores'];

/**
 * What the worker gets: the caller's job, the model, the files it may plan (in the order they are
 * claimed) and what the model's parse established of their syntax (a codemod checks its input).
 */
export type WorkerJob<Job> = Job & { model: PortableModel; paths: string[]; syntax: KnownSyntax[] };

/** What the worker starts with; the prefetch (on a warm start) and the job follow as messages on `port`. */
interface SharedData {
  counters: SharedArrayBuffer;
  port: MessagePort;
}

interface StartedWorker {
  counters: Int32Array;
  port: MessagePort;
  worker: Worker;
  /** Messages taken off the port so far (the worker counts the ones it posted in POSTED). */
  consumed: number;
  /** Source facts read ahead by the worker and handed to the model. */
  factsTaken: number;
}

/** How {@link workerSharing} shares. */
export interface SharingOptions {
  /** Below this many shared files every file is planned here. */
  minShared?: number;
  /** A repo of this many files or more gets its worker started while the model is built. */
  warmUpFiles?: number;
  /** The codemods' tokens: the worker keeps its facts' parses of the sources with a match. */
  keep?: readonly RegExp[];
  /** Main claims shared files once its own are planned (off: the worker plans every shared file; for tests). */
  mainClaims?: boolean;
}

/**
 * Sharing through the worker `script` (which calls {@link servePlanShare}) when the plan has at least
 * `minShared` files to share; below that, or when no worker starts, every file is planned here. On a
 * repo of `warmUpFiles` files or more the worker is started while the model is being built, so that
 * loading its code costs no wall time, and reads the sources' facts for the model meanwhile; it keeps
 * the parses of the sources with a match of `keep` (the codemods' tokens) for its planning.
 */
export function workerSharing<Job extends object>(script: URL, job: Job, options: SharingOptions = {}): PlanSharing {
  const { minShared = MIN_SHARED_FILES, warmUpFiles = WARM_UP_FILES, keep = [], mainClaims = true } = options;
  let warm: StartedWorker | null = null;
  const stop = (started: StartedWorker) => {
    void started.worker.terminate();
    started.port.close();
  };
  return {
    warmUp(files: readonly string[], root: string) {
      if (warm || files.length < warmUpFiles) return;
      warm = startWorker(script);
      if (!warm) return;
      // While the model reads Dockerfiles, compose files and packages, the worker reads the sources' facts.
      const prefetch: MainMessage<Job> = { prefetch: { root, paths: files.filter(mayBeJsSource), keep: keep.map((re) => ({ source: re.source, flags: re.flags })) } };
      warm.port.postMessage(prefetch);
      const from = warm;
      supplyFacts(() => takeFacts(from));
    },
    release() {
      supplyFacts(null);
      if (warm) stop(warm);
      warm = null;
    },
    planAll(planner: FilePlanner, repo: RepoModel, shared: number[]): FileOutcome[] {
      supplyFacts(null);
      const started = shared.length >= minShared ? (warm ?? startWorker(script)) : null;
      if (warm && warm !== started) stop(warm);
      warm = null;
      if (!started) return planner.paths.map((path) => planner.planFile(path));
      try {
        const paths = shared.map((i) => planner.paths[i] as string);
        const work: WorkerJob<Job> = { ...job, model: portableModel(repo), paths, syntax: knownSyntax(paths) };
        Atomics.store(started.counters, BACK, paths.length);
        try {
          started.port.postMessage({ job: work } satisfies MainMessage<Job>);
        } catch {
          return planner.paths.map((path) => planner.planFile(path)); // something in it cannot cross threads
        }
        return planWithWorker(planner, shared, started, mainClaims);
      } finally {
        stop(started);
      }
    },
  };
}

function startWorker(script: URL): StartedWorker | null {
  const counters = new Int32Array(new SharedArrayBuffer(16));
  const { port1, port2 } = new MessageChannel();
  let worker: Worker;
  try {
    const data: SharedData = { counters: counters.buffer as SharedArrayBuffer, port: port2 };
    worker = new Worker(script, { workerData: data, transferList: [port2] });
  } catch {
    port1.close();
    return null;
  }
  worker.unref(); // never keeps the process alive
  worker.on('error', () => undefined); // reported through the port when it can be; main plans its files otherwise
  return { counters, port: port1, worker, consumed: 0, factsTaken: 0 };
}

/** Hands the facts the worker has read so far to the source layer (called on a facts miss). */
function takeFacts(started: StartedWorker): void {
  for (let received = receiveMessageOnPort(started.port); received; received = receiveMessageOnPort(started.port)) {
    started.consumed++;
    const message = received.message as WorkerMessage;
    if ('facts' in message) {
      offerFacts(message.facts.path, message.facts.text, message.facts.facts);
      started.factsTaken++;
    }
  }
}

/**
 * Claims the next shared file from one end (the worker from the front, main from the back, so each
 * starts on the files it is best placed for and they meet wherever their work is even): its index in
 * the shared list, or -1 when every file is claimed.
 */
function claim(counters: Int32Array, end: 'front' | 'back'): number {
  while (Atomics.compareExchange(counters, LOCK, 0, 1) !== 0); // held for two loads and a store
  try {
    const front = Atomics.load(counters, FRONT);
    const back = Atomics.load(counters, BACK);
    if (front >= back) return -1;
    const claimed = end === 'front' ? front : back - 1;
    Atomics.store(counters, end === 'front' ? FRONT : BACK, end === 'front' ? front + 1 : back - 1);
    return claimed;
  } finally {
    Atomics.store(counters, LOCK, 0);
  }
}

/**
 * Main's side: the files only it plans first, then shared ones from the back until none is left to
 * claim (unless `mainClaims` is off: the tests' way to have the worker plan every shared file), then
 * the worker's.
 */
function planWithWorker(planner: FilePlanner, shared: number[], started: StartedWorker, mainClaims: boolean): FileOutcome[] {
  const { counters, port } = started;
  const { paths } = planner;
  const outcomes: (FileOutcome | null | undefined)[] = new Array(paths.length);
  const isShared = new Set(shared);
  paths.forEach((path, i) => {
    if (!isShared.has(i)) outcomes[i] = planner.planFile(path);
  });
  const plannedHere = new Set<number>();
  for (let k = mainClaims ? claim(counters, 'back') : -1; k !== -1; k = claim(counters, 'back')) {
    const i = shared[k] as number;
    outcomes[i] = planner.planFile(paths[i] as string);
    plannedHere.add(k);
  }
  let missing = shared.length - plannedHere.size;
  const claimsEnded = performance.now();
  if (process.env.ECSFIX_DEBUG_SHARE) process.stderr.write(`the worker read ${started.factsTaken} sources' facts for the model; main planned ${plannedHere.size} of ${shared.length} shared files\n`);
  let lastHeard = Date.now();
  while (missing > 0) {
    const received = receiveMessageOnPort(port);
    if (!received) {
      if (Atomics.wait(counters, POSTED, started.consumed, 1000) === 'timed-out' && Date.now() - lastHeard > STALL_MS) break;
      continue;
    }
    started.consumed++;
    lastHeard = Date.now();
    const message = received.message as WorkerMessage;
    if ('facts' in message) continue; // read ahead for the model, which no longer asks
    if ('fatal' in message) break;
    if (!plannedHere.has(message.index)) outcomes[shared[message.index] as number] = message.outcome;
    missing--;
  }
  if (process.env.ECSFIX_DEBUG_SHARE) process.stderr.write(`the worker delivered ${shared.filter((i) => outcomes[i]).length - plannedHere.size} of ${shared.length - plannedHere.size}, ${Math.round(performance.now() - claimsEnded)} ms after main's last claim\n`);
  // What the worker did not deliver: planned here.
  return paths.map((path, i) => outcomes[i] ?? planner.planFile(path));
}

/**
 * The worker's side: reads the facts of the sources main sends ahead of the model (a few files at a
 * time, so the job is taken as soon as it arrives), keeping the parses its codemods will want and
 * reshaping them for the codemods once every file is read, until the job arrives; then takes its job,
 * builds its planner (reading the sources it read for their facts from memory) and plans shared
 * files until none is left to claim.
 */
export function servePlanShare<Job>(makePlanner: (job: WorkerJob<Job>, read: ReadonlyMap<string, string>) => FilePlanner): void {
  const { counters: buffer, port } = workerData as SharedData;
  prepareOxcRawTransfer();
  const counters = new Int32Array(buffer);
  const post = (message: WorkerMessage) => {
    port.postMessage(message);
    Atomics.add(counters, POSTED, 1);
    Atomics.notify(counters, POSTED);
  };
  let planning = false;
  // The sources read for their facts, for the planner (which reads them again otherwise).
  const read = new Map<string, string>();
  const prefetch = (root: string, paths: string[], keep: RegExp[], from: number) => {
    if (planning) return;
    const readFile = readRepoFile(root);
    for (const path of paths.slice(from, from + PREFETCH_BATCH)) {
      try {
        const text = readFile(path);
        read.set(path, text);
        const kept = keep.some((re) => re.test(text)) ? (program: unknown) => keepParse(path, text, program) : undefined;
        if (mayMatter(text)) post({ facts: { path, text, facts: sourceFacts(path, text, kept) } });
      } catch {
        // unreadable here: main reads it and says so
      }
    }
    if (from + PREFETCH_BATCH < paths.length) setImmediate(() => prefetch(root, paths, keep, from + PREFETCH_BATCH));
    else setImmediate(prepare);
  };
  /** Reshapes kept parses a few at a time while the job has not arrived. */
  const prepare = () => {
    let done = 0;
    if (!planning && prepareKeptParses(() => planning || done++ >= PREFETCH_BATCH)) setImmediate(prepare);
  };
  port.on('message', (message: MainMessage<Job>) => {
    if ('prefetch' in message) {
      const { root, paths, keep } = message.prefetch;
      return prefetch(root, paths, keep.map((re) => new RegExp(re.source, re.flags)), 0);
    }
    planning = true;
    plan(message.job);
  });
  const plan = (job: WorkerJob<Job>) => {
    try {
      rememberSyntax(job.syntax);
      const planner = makePlanner(job, read);
      for (let k = claim(counters, 'front'); k !== -1; k = claim(counters, 'front')) {
        let outcome: FileOutcome | null = null;
        try {
          outcome = planner.planFile(job.paths[k] as string);
        } catch {
          outcome = null; // main plans the file again and reports the error as it would alone
        }
        post({ index: k, outcome });
      }
    } catch (error) {
      post({ fatal: String(error) });
    }
    port.close();
  };
}

/** Sources read between two looks at the port for the job. */
const PREFETCH_BATCH = 16;

/** The model without what does not cross threads or is not needed there (see the module comment). */
export function portableModel(repo: RepoModel): PortableModel {
  const { dockerfiles, dockerignores, dockerfileIgnores, ...rest } = repo;
  const ignoreFiles: PortableModel['ignoreFiles'] = {};
  for (const key of IGNORE_MATCHERS) {
    const matchers = repo[key];
    if (matchers) ignoreFiles[key] = [...matchers].map(([at, ignore]) => [at, ignore.file]);
  }
  return {
    ...rest,
    dockerfiles: new Map([...dockerfiles].map(([path, entry]) => [path, { ...entry, parsed: null, hadParse: entry.parsed !== null }])),
    ignoreFiles,
  };
}

/**
 * The worker's model: the parsed Dockerfiles and the ignore-file matchers read again from the
 * repo's files, when first asked for (the same texts give the same parses: they are pure).
 */
export function restoredModel(portable: PortableModel): RepoModel {
  const { ignoreFiles, dockerfiles, ...rest } = portable;
  const read = readRepoFile(portable.root);
  for (const entry of dockerfiles.values())
    if (entry.hadParse) Object.defineProperty(entry, 'parsed', { get: once(() => parseDockerfile(read(entry.path))) });
  const model = { ...rest, dockerfiles } as unknown as RepoModel;
  for (const key of IGNORE_MATCHERS) {
    const files = ignoreFiles[key];
    if (files) Object.defineProperty(model, key, { get: once(() => new Map(files.map(([at, file]) => [at, parseDockerignore(file, read(file))]))) });
  }
  return model;
}

function once<T>(compute: () => T): () => T {
  let value: { v: T } | null = null;
  return () => (value ??= { v: compute() }).v;
}
