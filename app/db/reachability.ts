import type { MongoClient, TopologyDescriptionChangedEvent } from 'mongodb';

/**
 * Whether the MongoDB driver sees a server it can use, as its own monitoring says
 * (a heartbeat every MONGO_HEARTBEAT_MS, see db/mongo.ts). The first failed heartbeat
 * or network error turns it false for every request at once, so that no request has
 * to discover a dead MongoDB by waiting out a timeout of its own.
 */
export interface MongoReachability {
  readonly reachable: boolean;
  onChange(listener: (reachable: boolean) => void): void;
}

export function followTopology(client: MongoClient): MongoReachability {
  let reachable = true;
  const listeners: ((reachable: boolean) => void)[] = [];
  client.on('topologyDescriptionChanged', (event: TopologyDescriptionChangedEvent) => {
    const now = event.newDescription.hasDataBearingServers;
    if (now === reachable) return;
    reachable = now;
    for (const listener of listeners) listener(now);
  });
  return {
    get reachable() {
      return reachable;
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}
