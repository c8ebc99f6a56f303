/** Finding codes for docker-compose files (ECS2xx). */
import type { FindingCode } from './finding.js';

export const COMPOSE_CODES: readonly FindingCode[] = [
  {
    code: 'ECS201',
    title: 'Compose service builds from a Dockerfile that does not exist',
    defaultSeverity: 'warning',
    help: 'The service\'s `build.dockerfile` (relative to `build.context`) names no file in the repo, so `docker compose build` fails and ecsfix cannot model the service. Fix the path.',
  },
  {
    code: 'ECS210',
    title: 'A secret has a default in a compose file',
    defaultSeverity: 'info',
    help: '`${JWT_SECRET:-dev-secret}` puts a credential in git and uses it whenever the variable is forgotten, so a deployment can run on it unnoticed. The default is removed (`${JWT_SECRET}`, or `${JWT_SECRET:?JWT_SECRET must be set}` with `--require`) and the variable is listed in the repo\'s .env.example, with the old default as its example value when it was a placeholder; `cp .env.example .env` restores local development (unless the file already listed the variable with another value: ECS216).',
    fixedBy: 'compose-secret-defaults',
  },
  {
    code: 'ECS211',
    title: 'A real-looking credential was committed as a compose default or in an env file compose reads',
    defaultSeverity: 'blocking',
    help: 'The default was a password in a URL to a public host, a long random token (a provider key such as `sk_live_…` with a random tail; not one whose tail is a run of one character or a mask, `sk_test_51Hxxxxxxxxxxxxxxxx`, `****`, which is a placeholder: ECS210 only, and its example value), or a password a compose file of the repo also sets as a literal secret (`POSTGRES_PASSWORD: s3cr3t-pg` beside `postgresql://acme:s3cr3t-pg@postgres/acme`): it is in the git history whatever happens to the file now. Rotate the credential (new password or key, old one revoked), then set the new value where the stack runs. ecsfix removes the default and does not copy the value anywhere. The same value in an env file the repo has and a service reads with `env_file:` is the same leak: reported at the env file\'s line; the env file is not edited.',
  },
  {
    code: 'ECS212',
    title: 'A secret is a literal value in a compose file or an env file it reads',
    defaultSeverity: 'warning',
    help: '`DB_PASSWORD: postgres` in compose, or `DB_PASSWORD=postgres` in an env file the repo has and a service reads with `env_file:`, is a credential in git. Whether it is a local-only sidecar password or a real one is the owner\'s decision, so ecsfix reports it and changes nothing: move it to .env (`DB_PASSWORD: ${DB_PASSWORD}`, a gitignored env file) or a secret store.',
  },
  {
    code: 'ECS213',
    title: 'A secret default ecsfix cannot remove safely',
    defaultSeverity: 'warning',
    help: 'The default is written in a form (a folded multi-line scalar, escapes that change its text) where removing it by range would change other values, so the file is left as is. Remove the default by hand.',
  },
  {
    code: 'ECS214',
    title: 'Variables added to the example env file',
    defaultSeverity: 'info',
    help: 'The variables whose compose defaults were removed are listed in the repo\'s .env.example (or the .env.sample / env.example it already uses), existing lines untouched, so a new developer sees what to set.',
    fixedBy: 'compose-secret-defaults',
  },
  {
    code: 'ECS215',
    title: 'A development-profile compose service is not deployed',
    defaultSeverity: 'info',
    help: 'Compose starts the service only under a development profile (`profiles: [dev]`, or a profile while building a dev stage): a local-development container that ECS never runs. ecsfix gives it no task definition, no readiness findings and no change to the stage it builds.',
  },
  {
    code: 'ECS216',
    title: 'The example env file lists a secret with another value than its removed default',
    defaultSeverity: 'warning',
    help: 'The repo\'s .env.example already lists the variable whose compose default was removed, with a different value (`DATABASE_URL=postgresql://acme:acme@…` while the default said `s3cr3t-pg`, the password the database service is started with). ecsfix leaves that line as it is, so `cp .env.example .env` does not give the stack the value the default gave it, and local development can fail where it worked. Make the example value and the compose file agree.',
  },
  {
    code: 'ECS217',
    title: 'A required compose env_file does not exist',
    defaultSeverity: 'warning',
    help: 'A service lists an `env_file:` (short form, or `required: true`) that is neither in the repo nor in the work tree: `docker compose up` stops with "env file not found", and ecsfix cannot say which variables the service gets from it, so the task definition does not carry them. Create the file (from the example env file the repo keeps), or mark the entry `required: false` when the service runs without it. An env file git ignores but the work tree has is not reported.',
  },
  {
    code: 'ECS218',
    title: 'Compose projects define a service differently',
    defaultSeverity: 'warning',
    help: 'Two compose projects (the root docker-compose.yml and a deploy/docker-compose.prod.yml, say) build the same image under the same service name with a different command, entrypoint or env_file, so which one ECS should run is not established. The task definition follows the first project\'s definition and its notes say so; the finding names both and what differs. Make them agree, or remove the definition that is not deployed. (A port disagreement is ECS150.)',
  },
];
