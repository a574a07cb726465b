import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { onPostgres, postgresEnv } from '../support/pg.ts';
import { freePort } from '../support/server.ts';
import { baseEnv, gatehouse, isRoot, ROOT, tempDir, UNPRIVILEGED } from './run.ts';

// Compiles the binary (a few seconds) and runs it with its own emulator.
setDefaultTimeout(180_000);

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const dirs: string[] = [];
const children: Subprocess[] = [];
afterAll(async () => {
  for (const c of children) {
    c.kill('SIGKILL');
    await c.exited;
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Lines of a child's stream, as they come; resolves the first one matching. */
function firstLine(stream: ReadableStream<Uint8Array>, match: (line: string) => boolean, seen: string[]) {
  return (async () => {
    const decoder = new TextDecoder();
    let partial = '';
    for await (const chunk of stream) {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        seen.push(l);
        if (match(l)) return l;
      }
    }
    throw new Error(`stream ended before the expected line:\n${seen.join('\n')}`);
  })();
}

describe('deploy files', () => {
  test('Dockerfile — builds with `bun run build`, ships the binary alone, non-root, /data, HEALTHCHECK on /readyz', () => {
    const d = read('Dockerfile');
    expect(d).toMatch(/^FROM oven\/bun:[\d.]+ AS build$/m);
    expect(d).toContain('RUN bun install --frozen-lockfile');
    expect(d).toMatch(/^RUN bun run build/m);
    const runtime = d.slice(d.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^\nFROM gcr\.io\/distroless\/cc-debian12:nonroot$/m);
    expect(runtime).toContain('COPY --from=build /out/gatehouse /usr/local/bin/gatehouse');
    const user = /^USER (\d+):(\d+)$/m.exec(runtime);
    expect(Number(user?.[1])).toBeGreaterThan(0);
    expect(runtime).toContain(`--chown=${user?.[1]}:${user?.[2]} --chmod=0700 /out/data /data`);
    expect(runtime).toContain('VOLUME ["/data"]');
    expect(runtime).toMatch(/ENV HOST=0\.0\.0\.0 \\\n\s+PORT=8788 \\\n\s+GATEHOUSE_DATA_DIR=\/data/);
    // PUBLIC_URL and keys come from the environment at run time, never baked into the image.
    expect(runtime).not.toMatch(/^ENV .*PUBLIC_URL=/m);
    expect(runtime).not.toMatch(/WORKOS_[A-Z_]*=/);
    expect(runtime).toContain('HEALTHCHECK');
    expect(runtime).toContain('CMD ["/usr/local/bin/gatehouse", "healthcheck", "/readyz"]');
    expect(runtime).toContain('ENTRYPOINT ["/usr/local/bin/gatehouse"]');
    expect(runtime).toContain('CMD ["serve"]');
    // Every path the build copies exists, and none is ignored.
    const ignore = read('.dockerignore');
    for (const m of d.matchAll(/^COPY (?!--from)(.+) \S+$/gm))
      for (const path of m[1]!.split(' ')) {
        expect(existsSync(join(ROOT, path))).toBe(true);
        expect(ignore.split('\n')).not.toContain(path);
      }
    for (const junk of ['node_modules', 'data', 'dist', '.git', '.env'])
      expect(ignore.split('\n')).toContain(junk);
    // bun install needs every patch package.json names, copied before it runs.
    const install = d.indexOf('RUN bun install');
    const patched = Object.values(
      (JSON.parse(read('package.json')) as { patchedDependencies?: Record<string, string> })
        .patchedDependencies ?? {},
    );
    for (const patch of patched) {
      const copied = [...d.slice(0, install).matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
        m[1]!.split(' '),
      );
      expect(copied.some((path) => patch === path || patch.startsWith(`${path}/`))).toBe(true);
    }
  });

  test('systemd unit — DynamicUser, StateDirectory, ProtectSystem=strict, NoNewPrivileges, serve', () => {
    const unit = read('deploy/gatehouse.service');
    for (const line of [
      'ExecStart=/usr/local/bin/gatehouse serve',
      'DynamicUser=yes',
      'StateDirectory=gatehouse',
      'StateDirectoryMode=0700',
      'ProtectSystem=strict',
      'NoNewPrivileges=yes',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      'CapabilityBoundingSet=',
      'EnvironmentFile=/etc/gatehouse/gatehouse.env',
    ])
      expect(unit.split('\n')).toContain(line);
    expect(unit).toContain('GATEHOUSE_DATA_DIR=/var/lib/gatehouse');
    expect(unit).toContain('HOST=127.0.0.1');
    // Bun's JIT needs writable-then-executable memory.
    expect(unit).not.toMatch(/^MemoryDenyWriteExecute=yes/m);
    const backup = read('deploy/gatehouse-backup.service');
    expect(backup).toContain('ExecStart=/usr/local/bin/gatehouse backup /var/lib/gatehouse-backups');
    expect(backup).toContain('User=gatehouse');
    expect(read('deploy/gatehouse-backup.timer')).toContain('OnCalendar=');
  });

  test('Caddy — terminates TLS for the PUBLIC_URL host and proxies to the loopback port, streaming', () => {
    const caddy = read('deploy/Caddyfile');
    expect(caddy).toMatch(/^gatehouse\.example\.com \{$/m);
    expect(caddy).toContain('reverse_proxy 127.0.0.1:8788');
    expect(caddy).toContain('flush_interval -1');
    const env = read('deploy/gatehouse.env.example');
    expect(env).toContain('PUBLIC_URL=https://gatehouse.example.com');
    expect(env).toContain('TRUSTED_PROXIES=');
    const compose = read('deploy/compose.yaml');
    expect(compose).toContain('gatehouse-data:/data');
    expect(read('deploy/Caddyfile.compose')).toContain('reverse_proxy gatehouse:8788');
  });

  test('the compiled binary — starts from a clean directory as the image runs it: non-root, HOST=0.0.0.0, live mode, healthcheck, backup', async () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    const build = pkg.scripts.build!;
    expect(build).toContain('--outfile dist/gatehouse');
    const out = tempDir('gatehouse-image-');
    dirs.push(out);
    const binary = join(out, 'gatehouse');
    const args = build.replace('--outfile dist/gatehouse', `--outfile ${binary}`).split(' ');
    expect(args.slice(0, 2)).toEqual(['bun', 'build']);
    const compiled = Bun.spawnSync([process.execPath, ...args.slice(1)], {
      cwd: ROOT,
      stdout: 'pipe',
      stderr: 'pipe',
    });
    expect(compiled.stderr.toString()).not.toContain('error');
    expect(compiled.exitCode).toBe(0);
    chmodSync(binary, 0o755);
    const image = { command: [binary], cwd: out, unprivileged: true };

    // The image's working directory holds nothing but the binary; /data belongs to its user.
    const data = join(out, 'data');
    mkdirSync(data, { mode: 0o700 });
    if (isRoot()) Bun.spawnSync(['chown', `${UNPRIVILEGED}:${UNPRIVILEGED}`, data]);
    expect((await gatehouse(['--version'], image)).stdout).toMatch(/^gatehouse \d+\.\d+\.\d+\n$/);

    // WorkOS: the binary's own emulator (a live-mode rehearsal).
    const emulator = Bun.spawn([binary, 'emulator', '--json'], {
      cwd: out,
      env: baseEnv(),
      stdout: 'pipe',
      stderr: 'pipe',
    });
    children.push(emulator);
    const described = JSON.parse(await firstLine(emulator.stdout, (l) => l.startsWith('{'), [])) as {
      env: Record<string, string>;
    };

    const port = freePort();
    const env = {
      ...described.env,
      HOST: '0.0.0.0',
      PORT: String(port),
      GATEHOUSE_DATA_DIR: data,
      PUBLIC_URL: 'https://gatehouse.example.test',
      TRUSTED_PROXIES: '127.0.0.1',
    };
    const check = await gatehouse(['config', 'check'], { ...image, env });
    expect(check.stdout).toContain('Mode: live');
    expect(check.stdout).toContain('No problems found.');

    const server = Bun.spawn([binary, 'serve'], {
      cwd: out,
      env: baseEnv(env),
      stdout: 'pipe',
      stderr: 'pipe',
      ...(isRoot() ? { uid: UNPRIVILEGED, gid: UNPRIVILEGED } : {}),
    });
    children.push(server);
    const seen: string[] = [];
    void firstLine(server.stderr, () => false, seen).catch(() => {});
    await firstLine(server.stdout, (l) => l.includes('MCP:'), seen);

    // The HEALTHCHECK: /readyz over loopback, with PUBLIC_URL's host (the only Host it answers).
    const probe = () => gatehouse(['healthcheck', '/readyz'], { ...image, env });
    let health = await probe();
    for (let i = 0; i < 300 && health.code !== 0; i++) health = await probe();
    expect(health.stdout).toContain(`ready: http://127.0.0.1:${port}/readyz answered 200`);
    expect(health.code).toBe(0);
    expect((await gatehouse(['healthcheck', '/healthz'], { ...image, env })).code).toBe(0);
    const badPath = await gatehouse(['healthcheck', '/metrics'], { ...image, env });
    expect(badPath.code).toBe(2);
    expect(badPath.stderr).toContain('asks /readyz or /healthz');
    const wrongPort = await gatehouse(['healthcheck'], {
      ...image,
      env: { ...env, PORT: String(freePort()) },
    });
    expect(wrongPort.code).toBe(1);
    expect(wrongPort.stderr).toContain('not ready');

    // A backup while it runs, as `docker exec … gatehouse backup -` would take it.
    const backup = await gatehouse(['backup', '-'], { ...image, env });
    expect(backup.code).toBe(0);
    const files = await new Bun.Archive(backup.bytes).files();
    expect([...files.keys()]).toContain('gatehouse.db');

    // docker stop: SIGTERM, a clean exit.
    server.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    // On the suite's PostgreSQL pass, the same binary on PostgreSQL: the bridge's worker is one of
    // its entry points (a binary without it waits forever for its first answer).
    if (onPostgres) {
      const pg = await postgresEnv();
      try {
        const pgEnv = { ...env, ...pg.env, PORT: String(freePort()) };
        const onPg = Bun.spawn([binary, 'serve'], {
          cwd: out,
          env: baseEnv(pgEnv),
          stdout: 'pipe',
          stderr: 'pipe',
          ...(isRoot() ? { uid: UNPRIVILEGED, gid: UNPRIVILEGED } : {}),
        });
        children.push(onPg);
        void firstLine(onPg.stderr, () => false, seen).catch(() => {});
        await firstLine(onPg.stdout, (l) => l.includes('MCP:'), seen);
        const ready = await gatehouse(['healthcheck', '/readyz'], { ...image, env: pgEnv });
        expect(ready.code).toBe(0);
        onPg.kill('SIGTERM');
        expect(await onPg.exited).toBe(0);
      } finally {
        await pg.drop();
      }
    }
  });
});
