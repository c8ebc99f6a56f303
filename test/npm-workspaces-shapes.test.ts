/**
 * An npm-workspaces monorepo built per service (review2 r2): each service's build context is its own
 * directory, the lockfile is at the workspace root, the port comes from a config module.
 */
import { describe, expect, it } from 'vitest';
import { TRANSFORMS } from '../transforms/index.js';
import { findingsOf, planTree, type Tree } from './helpers/repo.js';

const tree: Tree = new Map([
  ['package.json', '{ "name": "shop", "private": true, "workspaces": ["services/*"] }\n'],
  ['package-lock.json', JSON.stringify({ name: 'shop', lockfileVersion: 3, requires: true, packages: { '': { name: 'shop', workspaces: ['services/*'] }, 'services/api': { name: 'api', version: '1.0.0' }, 'services/worker': { name: 'worker', version: '1.0.0' } } }, null, 2) + '\n'],
  ['docker-compose.yml', 'services:\n  api:\n    build: ./services/api\n    ports:\n      - "4000:4000"\n    environment:\n      - PORT=4000\n  worker:\n    build: ./services/worker\n    environment:\n      KAFKA_BROKERS: kafka:9092\n'],
  ['services/api/package.json', '{ "name": "api", "version": "1.0.0", "main": "src/index.js", "scripts": { "start": "node src/index.js" }, "dependencies": { "express": "^4.19.2" } }\n'],
  ['services/api/src/config.js', "module.exports = {\n  port: process.env.PORT || 4000,\n  mongoUri: process.env.MONGO_URI || 'mongodb://localhost:27017/shop',\n};\n"],
  ['services/api/src/index.js', "const express = require('express');\nconst config = require('./config');\nconst app = express();\napp.get('/health', (req, res) => res.send('ok'));\napp.listen(config.port, () => console.log('listening'));\n"],
  ['services/api/Dockerfile', 'FROM node:18\nWORKDIR /usr/src/app\nCOPY package*.json ./\nRUN npm install\nCOPY . .\nEXPOSE 4000\nCMD [ "npm", "start" ]\n'],
  ['services/worker/package.json', '{ "name": "worker", "version": "1.0.0", "main": "consumer.js", "dependencies": { "kafkajs": "^2.2.4" } }\n'],
  ['services/worker/consumer.js', "const { Kafka } = require('kafkajs');\nconst kafka = new Kafka({ clientId: 'w', brokers: (process.env.KAFKA_BROKERS || 'localhost:9092').split(',') });\nconst consumer = kafka.consumer({ groupId: 'w' });\nconst run = async () => {\n  await consumer.connect();\n  await consumer.run({ eachMessage: async () => {} });\n};\nrun().catch(() => process.exit(1));\n"],
  ['services/worker/Dockerfile', 'FROM node:18-alpine\nWORKDIR /app\nCOPY package*.json ./\nRUN npm install\nCOPY . .\nCMD ["node", "consumer.js"]\n'],
]);

describe('npm workspaces, one build context per service', () => {
  const { repo, plan } = planTree(tree, [...TRANSFORMS]);
  const findings = findingsOf(plan);

  it('the port read in a config module (`port: process.env.PORT || 4000`) is the port variable the listen call follows', () => {
    expect(repo.services.find((s) => s.name === 'api')?.portVariable).toMatchObject({ value: 'PORT', file: 'services/api/src/config.js', line: 2 });
  });

  it('the pnpm worker rewrite says nothing in a repo that does not use pnpm', () => {
    expect(findings.filter((f) => f.code === 'ECS161')).toEqual([]);
  });

  it('an npm install whose lockfile is at the workspace root, outside the build context: ECS147, not "commit a lockfile"', () => {
    const codes = (path: string) => findings.filter((f) => f.file === path && (f.code === 'ECS146' || f.code === 'ECS147')).map((f) => `${f.code}:${f.line}`);
    expect(codes('services/api/Dockerfile')).toEqual(['ECS147:4']);
    expect(codes('services/worker/Dockerfile')).toEqual(['ECS147:4']);
  });
});
