import { str } from 'envalid';
import { mongoUrl, optionalSecret } from './validators.js';

/** Settings the API and the backup command read alike, described once. */
export const SHARED_SETTINGS = {
  MONGO_URL: mongoUrl({
    default: 'mongodb://127.0.0.1:27017/groundwork',
    desc: 'MongoDB connection string; the database name is its path',
  }),
  MONGO_PASSWORD: optionalSecret('MongoDB password, joined to MONGO_URL when set'),
  LOG_LEVEL: str({
    default: 'info',
    choices: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'],
    desc: 'winston log level',
  }),
};
