/**
 * A throwaway Redis server: Debian's `redis-server` package (installed with apt-get when missing and running as
 * root), on a free port of 127.0.0.1, nothing written to disk, stopped by `stop()` (or when the process exits). For
 * the live-event transport's tests and bench. Dev tooling.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { freeLocalPort, installDebianPackage } from './debian-service.js';

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  stop(): Promise<void>;
}

async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startRedisServer(): Promise<RedisServer> {
  if (spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status !== 0) installDebianPackage('redis-server', 'redis-server');
  const port = await freeLocalPort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const stopNow = () => child.kill('SIGKILL');
  process.once('exit', stopNow);
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      stopNow();
      throw new Error(`redis-server did not answer on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      process.off('exit', stopNow);
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
