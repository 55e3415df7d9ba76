/** The part of the `ws` package meshctl uses (its WebSocket client), typed here: the package ships no types. */
declare module 'ws' {
  import type { EventEmitter } from 'node:events';
  import type { IncomingMessage } from 'node:http';

  class WebSocket extends EventEmitter {
    constructor(url: string, protocols: string[], options?: Record<string, unknown>);
    readonly protocol: string;
    send(data: Buffer): void;
    close(): void;
    terminate(): void;
    on(event: 'open' | 'close', listener: () => void): this;
    on(event: 'message', listener: (data: Buffer) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: 'unexpected-response', listener: (req: unknown, res: IncomingMessage) => void): this;
  }
  export default WebSocket;
}
