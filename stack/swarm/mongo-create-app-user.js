/* global db, print, require -- mongosh globals */
// Runs once, on the first start of the mongo service with an empty data volume (the
// official image runs /docker-entrypoint-initdb.d/* as the root user it just created).
// It creates the user the app connects as: readWrite on the groundwork database and
// nothing else — it can neither see other databases nor manage users or the server, so
// a leaked app password cannot be used to read the root credentials or drop the node.
// The password comes from the mongo_password Swarm secret, never from this file.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- mongosh scripts are not modules
const fs = require('fs');

const appDb = db.getSiblingDB('groundwork');
const password = fs.readFileSync('/run/secrets/mongo_password', 'utf8').replace(/\r?\n$/, '');

if (appDb.getUser('groundwork') === null) {
  appDb.createUser({
    user: 'groundwork',
    pwd: password,
    roles: [{ role: 'readWrite', db: 'groundwork' }],
  });
  print('groundwork: created the app user with readWrite on groundwork');
}
