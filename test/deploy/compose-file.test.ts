import { Ajv } from 'ajv';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { codecServerEnvironmentVariables } from '../../src/codec/codec-server-config.js';
import { workerEnvironmentVariables } from '../../src/config/worker-config.js';
import { keelServerDynamicConfig } from '../../src/dev/server-settings.js';
import { ensureTemporalCli } from '../../src/dev/temporal-cli.js';
import { keelSearchAttributeKeys } from '../../src/shared/search-attributes.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const require = createRequire(import.meta.url);
// The Compose specification's JSON schema as the dclint package ships it (kept current by its maintainers).
const dclintRoot = dirname(require.resolve('dclint/package.json'));
const composeSchema = JSON.parse(readFileSync(join(dclintRoot, 'schemas/compose.schema.json'), 'utf8'));
const dclint = join(dclintRoot, 'bin/dclint.cjs');

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, unknown> | string[];
  profiles?: string[];
  container_name?: string;
  ports?: unknown[];
  healthcheck?: unknown;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

function validateAgainstSchema(path: string): { valid: boolean; errors: string[] } {
  const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
  const validate = ajv.compile(composeSchema);
  const valid = validate(parse(readFileSync(path, 'utf8'))) as boolean;
  return { valid, errors: (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`) };
}

async function lint(path: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [dclint, path, '--color', 'false'], { cwd: root });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, output: failure.stdout + failure.stderr };
  }
}

const composePath = join(root, 'docker-compose.yml');
const compose = parse(readFileSync(composePath, 'utf8')) as ComposeFile;
const environmentKeys = (service: ComposeService): string[] =>
  Array.isArray(service.environment) ? service.environment.map((entry) => entry.split('=')[0]!) : Object.keys(service.environment ?? {});

describe('docker-compose.yml', () => {
  test('docker-compose.yml: valid against the Compose specification schema, and clean under dclint', async () => {
    const result = validateAgainstSchema(composePath);
    assert.deepEqual(result.errors, []);
    assert.equal(result.valid, true);
    const linted = await lint(composePath);
    assert.equal(linted.code, 0, linted.output);
  });

  test('docker-compose.yml check: a broken compose file fails both the schema and dclint', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-compose-'));
    const broken = join(directory, 'docker-compose.yml');
    writeFileSync(
      broken,
      ['services:', '  worker:', '    image: keel-worker:0.1.0', '    restart: sometimes-maybe', '    ports: "8080"', '    depends_on: 42', '    not_a_compose_key: true', ''].join('\n'),
    );
    const result = validateAgainstSchema(broken);
    assert.equal(result.valid, false);
    assert.ok(result.errors.some((error) => error.includes('additional properties')), result.errors.join('\n'));
    assert.ok(result.errors.some((error) => error.startsWith('/services/worker/ports')), result.errors.join('\n'));
    const linted = await lint(broken);
    assert.notEqual(linted.code, 0);
    assert.match(linted.output, /invalid-schema|schema/i);
  });

  test('docker-compose.yml: the worker gets every variable the worker reads, the codec server every one it reads', () => {
    const worker = compose.services.worker!;
    const passed = new Set(environmentKeys(worker));
    assert.deepEqual(workerEnvironmentVariables.filter((name) => !passed.has(name)), []);
    const codecServer = compose.services['codec-server']!;
    const codecPassed = new Set(environmentKeys(codecServer));
    assert.deepEqual(codecServerEnvironmentVariables.filter((name) => !codecPassed.has(name)), []);
    assert.deepEqual(codecServer.profiles, ['encryption']);
  });

  test('docker-compose.yml: the stack is the official Temporal images on PostgreSQL, pinned, and workers scale', () => {
    const images = Object.entries(compose.services).filter(([, service]) => service.image);
    for (const [name, service] of images) {
      assert.match(service.image!, /^[a-z0-9./-]+:\d+(\.\d+)+[a-z0-9.-]*$/, `${name} image ${service.image} is pinned to a version`);
    }
    const imageNames = images.map(([, service]) => service.image!.split(':')[0]);
    for (const expected of ['postgres', 'temporalio/admin-tools', 'temporalio/server', 'temporalio/ui']) assert.ok(imageNames.includes(expected), expected);
    for (const name of ['worker', 'codec-server']) {
      assert.ok(compose.services[name]!.build, `${name} is built from the Dockerfile`);
    }
    // `--scale worker=N` needs no fixed container name and no host port on the worker.
    assert.equal(compose.services.worker!.container_name, undefined);
    assert.equal(compose.services.worker!.ports, undefined);
  });

  test('docker-compose.yml: the Temporal server, admin-tools and UI are no older than the dev server the tests run on', async () => {
    const cli = ensureTemporalCli();
    assert.ok(cli, 'a Temporal CLI is installed (scripts/ensure-setup.mjs)');
    const { stdout } = await run(cli, ['--version']);
    const reported = /Server (\d+\.\d+)\.\d+, UI (\d+\.\d+)\.\d+/.exec(stdout);
    assert.ok(reported, stdout);
    const minor = (version: string) => version.split('.').map(Number) as [number, number];
    const atLeast = (image: string, floor: string) => {
      const [major, minorVersion] = minor(image.split(':')[1]!);
      const [floorMajor, floorMinor] = minor(floor);
      assert.ok(major > floorMajor || (major === floorMajor && minorVersion >= floorMinor), `${image} is at least ${floor}`);
    };
    const images = Object.values(compose.services).flatMap((service) => (service.image ? [service.image] : []));
    const temporalImages = images.filter((image) => /^temporalio\/(server|admin-tools|ui):/.test(image));
    assert.equal(temporalImages.length, 4, temporalImages.join(', '));
    for (const image of temporalImages) atLeast(image, image.startsWith('temporalio/ui:') ? reported[2]! : reported[1]!);
  });

  test('.env.example: lists every variable that docker-compose.yml reads from the environment', () => {
    const used = new Set([...readFileSync(composePath, 'utf8').matchAll(/\$\{([A-Z0-9_]+)/g)].map((match) => match[1]!));
    const documented = new Set([...readFileSync(join(root, '.env.example'), 'utf8').matchAll(/^([A-Z0-9_]+)=/gm)].map((match) => match[1]!));
    assert.deepEqual([...used].filter((name) => !documented.has(name)), []);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    assert.deepEqual(workerEnvironmentVariables.filter((name) => !readme.includes(name.replace(/_FILE$/, ''))), []);
  });

  test('namespace step: registers every Keel search attribute with its type', () => {
    const script = readFileSync(join(root, 'deploy/temporal/scripts/create-namespace.sh'), 'utf8');
    const listed = /for attribute in ([^;]+);/.exec(script)![1]!.trim().split(/\s+/);
    const typeName = { KEYWORD: 'Keyword', INT: 'Int', DOUBLE: 'Double' } as Record<string, string>;
    assert.deepEqual(listed.sort(), keelSearchAttributeKeys.map((key) => `${key.name}:${typeName[key.type]}`).sort());
  });

  test('Dockerfile: multi-stage, production dependencies only, non-root, with a health check; .dockerignore keeps secrets out', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    assert.ok(stages.length >= 2, 'multi-stage');
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-[a-z]+-slim$/m);
    // Built as a user installs Keel: the packed tarball, production dependencies only, compiled JavaScript.
    assert.match(dockerfile, /npm pack/);
    assert.match(dockerfile, /npm install --omit=dev .*keel\.tgz/);
    const final = stages.at(-1)!;
    assert.match(final, /^USER node$/m);
    assert.match(final, /^HEALTHCHECK /m);
    assert.match(final, /^CMD \["node", "node_modules\/keel\/dist\/worker\/main\.js"\]$/m);
    assert.doesNotMatch(dockerfile + readFileSync(composePath, 'utf8'), /tsx/, 'no TypeScript loader at run time');
    for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const path of source!.split(' ')) assert.ok(existsSync(join(root, path)), `COPY source ${path} exists`);
    }
    const ignore = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'));
    assert.equal(ignore[0], '**', 'everything is excluded unless listed');
    assert.ok(!ignore.some((line) => line.startsWith('!') && /\.env|\.keel|node_modules/.test(line)));
  });
});

describe('the compose stack\'s Temporal dynamic config', () => {
  test('carries every server setting Keel runs its own dev servers with, at the same value', () => {
    const dynamicConfig = parse(readFileSync(join(root, 'deploy/temporal/dynamicconfig/development-sql.yaml'), 'utf8')) as Record<string, Array<{ value: unknown }>>;
    for (const [key, value] of Object.entries(keelServerDynamicConfig)) {
      assert.deepEqual(dynamicConfig[key]?.map((entry) => entry.value), [value], `${key} in development-sql.yaml`);
    }
  });
});
