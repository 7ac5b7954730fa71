import { Client as Subscriber, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** A subscription's answers as they come. */
export interface Feed {
  data: any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  errors: unknown[];
  completed: boolean;
  stop(): void;
}

export interface Socket {
  client: Subscriber;
  /** true once the server acknowledged connection_init, false when it closed before. */
  acked: Promise<boolean>;
  closed: Promise<{ code: number; reason: string }>;
  subscribe(query: string): Feed;
}

/**
 * A graphql-ws client over `ws`, as a browser's Apollo Client or urql would connect; never retries. Its
 * client is added to `opened`, for the test to dispose of every socket it made.
 */
export function connectLive(url: string, connectionParams: Record<string, unknown>, opened: Subscriber[]): Socket {
  let ack!: (ok: boolean) => void;
  let close!: (event: { code: number; reason: string }) => void;
  const acked = new Promise<boolean>((r) => (ack = r));
  const closed = new Promise<{ code: number; reason: string }>((r) => (close = r));
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
    on: {
      connected: () => ack(true),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        ack(false);
        close({ code, reason: String(reason) });
      },
    },
  });
  opened.push(client);
  return {
    client,
    acked,
    closed,
    subscribe(query) {
      const feed: Feed = { data: [], errors: [], completed: false, stop: () => undefined };
      feed.stop = client.subscribe(
        { query },
        {
          next: (result) => (result.errors ? feed.errors.push(result.errors) : feed.data.push(result.data)),
          error: (error) => feed.errors.push(error),
          complete: () => (feed.completed = true),
        },
      );
      return feed;
    },
  };
}
