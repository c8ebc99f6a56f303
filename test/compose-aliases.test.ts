// A large compose file merging one `x-` anchor into each service is modelled (yaml's alias-bomb
// guard grows with the file); an alias bomb is still refused, as the file's ECS002, not a crash.
import { describe, expect, it } from 'vitest';
import { modelOf } from './helpers/repo.js';

describe('compose aliases', () => {
  it('models 1,200 services that each merge the same anchor', () => {
    const services = Array.from({ length: 1200 }, (_, i) => `  svc-${i}:\n    <<: *node-service\n    build: ./services/svc-${i}\n    ports:\n      - "${4000 + i}:3000"\n`).join('');
    const compose = `x-node-service: &node-service\n  restart: unless-stopped\n  environment:\n    NODE_ENV: production\n\nservices:\n${services}`;
    const repo = modelOf(new Map([['docker-compose.yml', compose]]));
    expect(repo.problems.filter((p) => p.code === 'ECS002')).toEqual([]);
    expect(repo.compose.services.length).toBe(1200);
  });

  it('refuses an alias bomb as the file\'s error', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) levels.push(`${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(10).fill(`*${'abcdefghi'[i - 1]}`).join(',')}]`);
    const compose = `${levels.join('\n')}\nservices:\n  web:\n    image: nginx\n    labels:\n      bomb: *i\n`;
    const repo = modelOf(new Map([['docker-compose.yml', compose]]));
    expect(repo.problems).toContainEqual(expect.objectContaining({ code: 'ECS002', file: 'docker-compose.yml' }));
  });
});
