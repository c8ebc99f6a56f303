/**
 * The names real services and workers use for the things ecsfix looks for in JS/TS: consumer
 * factories, datastore clients, the methods that close them. One list, read by the fact extractor
 * (oxc, for the model) and by the codemods (recast, for rewrites), so both agree on what counts.
 */

/** Cheap token pre-filter: a file with none of these cannot hold a fact the model or a codemod uses. */
export const RELEVANT_TOKENS =
  /\blisten\b|\bconsumer\b|Consumer|SIGTERM|SIGINT|[Mm]ongo|\bRouter\b|\.(?:get|all|head|route|use|register)\s*\(|@(?:Controller|Get|Module)\b|RouterModule|localhost|127\.0\.0\.1|\bWorker\b|Worker\s*[(<]|amqp|\bxread|NestFactory|\bserve\s*\(|eachMessage|\.consume\s*\(|ReceiveMessageCommand|_URL\b|PORT\b|Prisma|DataSource|Sequelize|\bPool\b|onModuleDestroy|beforeApplicationShutdown|['"]bull['"]|APP_GUARD|useGlobalGuards|addHook|UseGuards|\.p?subscribe\s*\(/;

export function mayMatter(text: string): boolean {
  return RELEVANT_TOKENS.test(text);
}

/** Call names that create a Kafka consumer through a wrapper package (`createKafkaConsumer({...})`). */
export const KAFKA_WRAPPER_FACTORY = /^(?:create|make|build|new)?(?:Kafka)?Consumer$|^create\w*Consumer$/;

/** Imported calls that make a BullMQ worker through a shared queue package (`createWorker('emails', handler)`). */
export const QUEUE_WORKER_FACTORY = /^(?:create|make|build|start|new)\w*Worker$/;

/** Imported calls that start consuming through a shared messaging package (`startConsumer('orders', handler)`, amqplib inside). */
export const QUEUE_CONSUMER_STARTER = /^(?:start|run)\w*Consum(?:er|ing)$/;

/** Imported classes whose instances consume (`new KafkaConsumerRunner(...)`, `new ConsumerRunner(...)` from a shared package). */
export const CONSUMER_CLASS = /Consumer|Runner/;

/** Datastore connections, by the call that opens them. */
export type DatastoreKind = 'mongo' | 'mongoose' | 'pg' | 'redis' | 'prisma' | 'typeorm' | 'sequelize';

/** Constructors (`new X(...)`) that open a datastore client. */
export const DATASTORE_CONSTRUCTORS: Record<string, DatastoreKind> = {
  MongoClient: 'mongo',
  Pool: 'pg',
  Client: 'pg',
  Redis: 'redis',
  PrismaClient: 'prisma',
  DataSource: 'typeorm',
  Sequelize: 'sequelize',
};

/** Calls whose awaited result is a Mongo connection (`getMongoConnection()`, `mongoose.connect(...)`, `connectDB()`). */
export const MONGO_CONNECT_CALL = /^(?:get|connect|init|open|ensure|create)?(?:Mongo(?:DB|Db)?|Database|DB|Db)(?:Connection|Client)?$|^connect(?:To)?(?:Mongo(?:DB|Db)?|Database|DB|Db)$|^getMongo\w*$/;

/** Env variable names that hold another service's base URL. */
export const SERVICE_URL_VAR = /^([A-Z][A-Z0-9_]*?)_(?:SERVICE_)?(?:INTERNAL_)?(?:URL|URI|BASE_URL|ENDPOINT|HOST)$/;
