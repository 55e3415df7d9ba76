/**
 * A local port forwarded to a pod's port through the apiserver (as `kubectl port-forward`): a server on 127.0.0.1
 * whose every connection is one port-forward stream. What `dashboard` serves and how meshctl reaches istiod's xDS.
 */
import { createServer, type Server } from 'node:net';
import { UsageError } from '../ui/errors.js';
import type { KubeClient } from './client.js';

export interface PodPort {
  namespace: string;
  pod: string;
  port: number;
}

export interface Forwarding {
  /** The local port on 127.0.0.1. */
  port: number;
  server: Server;
  /** Stops listening and ends the connections. */
  close(): void;
}

/**
 * Listens on 127.0.0.1:`localPort` (0: a free port; default: the pod's port) and forwards each connection.
 * `onError` gets what goes wrong with one connection (the kubelet's error channel, the apiserver's refusal).
 */
export async function forwardLocalPort(
  kube: KubeClient, target: PodPort, opts: { localPort?: number; onError: (message: string) => void },
): Promise<Forwarding> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    kube.portForward(target.namespace, target.pod, target.port, socket, opts.onError).catch((err: Error) => {
      opts.onError(err.message.split('\n')[0]);
      socket.destroy();
    });
  });
  const want = opts.localPort ?? target.port;
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE'
      ? new UsageError(`port ${want} on 127.0.0.1 is in use: pass --port (0 picks a free one)`)
      : err));
    server.listen(want, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return {
    port, server,
    close() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}
