/** Which files are Dockerfiles: `Dockerfile`, `Containerfile`, `Dockerfile.api`, `api.Dockerfile`. */
import { posix } from 'node:path';

const DOCKERFILE_NAME = /^(?:Dockerfile|Containerfile)(?:\.[\w.-]+)?$|^[\w.-]+\.(?:Dockerfile|dockerfile)$/;

export function isDockerfileName(path: string): boolean {
  return DOCKERFILE_NAME.test(posix.basename(path));
}
