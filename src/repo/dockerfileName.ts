/** Which files are Dockerfiles: `Dockerfile`, `Containerfile`, `Dockerfile.api`, `api.Dockerfile` (not their `.dockerignore` files). */
import { posix } from 'node:path';

const DOCKERFILE_NAME = /^(?:Dockerfile|Containerfile)(?:\.[\w.-]+)?$|^[\w.-]+\.(?:Dockerfile|dockerfile)$/;

export function isDockerfileName(path: string): boolean {
  // `Dockerfile.dockerignore` / `api.Dockerfile.dockerignore` is BuildKit's per-Dockerfile ignore file, not a Dockerfile.
  const name = posix.basename(path);
  return DOCKERFILE_NAME.test(name) && !name.endsWith('.dockerignore');
}
