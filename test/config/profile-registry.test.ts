import assert from 'node:assert/strict';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { defaultProfiles } from '../../src/config/default-profiles.js';
import { ProfileRegistry, parseProfiles, readProfilesFile } from '../../src/config/profile-registry.js';

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'keel-profiles-')), name);
  writeFileSync(path, text);
  return path;
}

describe('profile registry', () => {
  test('shipped profiles: every default parses, with prompt caching on and a compacting context policy', () => {
    const profiles = parseProfiles(defaultProfiles, 'shipped');
    assert.ok(profiles.size >= 4);
    for (const [name, profile] of profiles) {
      assert.deepEqual(profile.provider, { type: 'anthropic' }, name);
      assert.equal(profile.promptCaching.enabled, true, name);
      assert.equal(profile.contextPolicy.strategy, 'compact', name);
      assert.ok(profile.pricing.inputPerMillionUsd > 0, name);
    }
    const thinking = profiles.get('claude-sonnet-5-5-thinking')!;
    assert.deepEqual(thinking.thinking, { type: 'enabled', budgetTokens: 8000 });
  });

  test('profile schema: fills in defaults for every setting a file leaves out', () => {
    const profile = parseProfiles({ bare: { model: 'claude-x' } }, 'code').get('bare')!;
    assert.deepEqual(profile.thinking, { type: 'disabled' });
    assert.deepEqual(profile.promptCaching, { enabled: false, breakpoints: ['tools', 'system', 'lastMessage'], ttl: '5m' });
    assert.deepEqual(profile.sampling, {});
    assert.deepEqual(profile.contextPolicy, {
      strategy: 'none',
      triggerFraction: 0.8,
      keep: { system: true, task: true, lastTurns: 2, summary: true },
    });
    assert.deepEqual(profile.fallbacks, []);
    assert.ok(profile.failoverOn.includes('Model.Overloaded'));
  });

  test('readProfilesFile: reads YAML by extension, with every section of a profile', () => {
    const path = tempFile(
      'profiles.yaml',
      [
        'profiles:',
        '  fast:',
        '    model: claude-haiku-4-5',
        '    maxOutputTokens: 4096',
        '    contextWindow: 100000',
        '    thinking: { type: enabled, budgetTokens: 2048, display: omitted }',
        '    promptCaching: { enabled: true, breakpoints: [system, lastMessage], ttl: 1h }',
        '    sampling: { stopSequences: ["</answer>"], effort: low }',
        '    contextPolicy:',
        '      strategy: reset',
        '      triggerFraction: 0.5',
        '      keep: { system: true, task: false, lastTurns: 1, summary: true }',
        '    fallbacks: [slow]',
        '    limits: { maxCostUsd: 2, softLimitFraction: 0.75 }',
        '  slow:',
        '    model: claude-opus-4-5',
      ].join('\n'),
    );
    const profiles = readProfilesFile(path);
    const fast = profiles.get('fast')!;
    assert.deepEqual(fast.thinking, { type: 'enabled', budgetTokens: 2048, display: 'omitted' });
    assert.deepEqual(fast.promptCaching, { enabled: true, breakpoints: ['system', 'lastMessage'], ttl: '1h' });
    assert.deepEqual(fast.sampling, { stopSequences: ['</answer>'], effort: 'low' });
    assert.deepEqual(fast.contextPolicy.keep, { system: true, task: false, lastTurns: 1, summary: true });
    assert.equal(fast.contextPolicy.triggerFraction, 0.5);
    assert.deepEqual(fast.fallbacks, ['slow']);
    assert.deepEqual(fast.limits, { maxCostUsd: 2, softLimitFraction: 0.75 });
    assert.equal(profiles.get('slow')!.model, 'claude-opus-4-5');
  });

  test('readProfilesFile: a bad field is refused naming the file, the profile and the field', () => {
    const json = tempFile('profiles.json', JSON.stringify({ profiles: { ok: { model: 'a' }, broken: { model: 'b', contextPolicy: { strategy: 'forget' } } } }));
    assert.throws(() => readProfilesFile(json), (error: Error) => {
      assert.equal(error.name, 'ConfigError');
      assert.match(error.message, new RegExp(`^${json.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: profile "broken": contextPolicy\\.strategy: `));
      return true;
    });
    const yaml = tempFile('profiles.yml', 'profiles:\n  thinker:\n    model: c\n    maxOutputTokens: 2000\n    thinking: { type: enabled, budgetTokens: 4000 }\n');
    assert.throws(() => readProfilesFile(yaml), /profiles\.yml: profile "thinker": thinking\.budgetTokens: must be below maxOutputTokens \(2000\)/);
    const unknownField = tempFile('profiles.yaml', 'profiles:\n  typo:\n    model: c\n    promptCaching: { enabled: true, breakpoint: [system] }\n');
    assert.throws(() => readProfilesFile(unknownField), /profiles\.yaml: profile "typo": promptCaching: Unrecognized key: "breakpoint"/);
  });

  test('readProfilesFile: YAML that does not parse is refused naming the file and the line', () => {
    const path = tempFile('profiles.yaml', 'profiles:\n  a:\n    model: [unclosed\n');
    assert.throws(() => readProfilesFile(path), (error: Error) => {
      assert.match(error.message, /profiles\.yaml: not valid YAML: .*line \d+/s);
      return true;
    });
  });

  test('ProfileRegistry: a fallback must name another known profile', () => {
    const path = tempFile('profiles.json', JSON.stringify({ profiles: { main: { model: 'a', fallbacks: ['default', 'missing'] } } }));
    assert.throws(() => new ProfileRegistry({ file: path }), new RegExp(`profiles\\.json: profile "main": fallbacks\\.1: unknown profile "missing"`));
    assert.throws(
      () => new ProfileRegistry({ profiles: { loop: { model: 'a', fallbacks: ['loop'] } } }),
      /profiles given in code: profile "loop": fallbacks\.0: a profile cannot fall back to itself/,
    );
    const registry = new ProfileRegistry({ profiles: { main: { model: 'a', fallbacks: ['claude-haiku-4-5'] } } });
    assert.deepEqual(registry.resolve('main').fallbacks, ['claude-haiku-4-5']);
  });

  test('ProfileRegistry: a canary must name another known profile, at a share from 0 to 1', () => {
    const path = tempFile('profiles.json', JSON.stringify({ profiles: { main: { model: 'a', canary: { profile: 'missing', share: 0.1 } } } }));
    assert.throws(() => new ProfileRegistry({ file: path }), /profiles\.json: profile "main": canary\.profile: unknown profile "missing"/);
    assert.throws(() => new ProfileRegistry({ profiles: { self: { model: 'a', canary: { profile: 'self', share: 0.5 } } } }), /profile "self": canary\.profile: a profile cannot be its own canary/);
    assert.throws(() => new ProfileRegistry({ profiles: { main: { model: 'a', canary: { profile: 'default', share: 1.5 } } } }), /profile "main": canary\.share: Too big/);
    const registry = new ProfileRegistry({ profiles: { main: { model: 'a', canary: { profile: 'claude-haiku-4-5', share: 0.25 } } } });
    assert.deepEqual(registry.resolve('main').canary, { profile: 'claude-haiku-4-5', share: 0.25 });
  });

  test('ProfileRegistry: an edited file reaches the next resolve without a restart', () => {
    const path = tempFile('profiles.json', JSON.stringify({ profiles: { live: { model: 'first' } } }));
    const registry = new ProfileRegistry({ file: path });
    assert.equal(registry.resolve('live').model, 'first');
    writeFileSync(path, JSON.stringify({ profiles: { live: { model: 'second-model', contextPolicy: { strategy: 'reset' } } } }));
    // A later mtime, whatever the file system's timestamp resolution.
    utimesSync(path, new Date(), new Date(Date.now() + 5_000));
    const edited = registry.resolve('live');
    assert.equal(edited.model, 'second-model');
    assert.equal(edited.contextPolicy.strategy, 'reset');
    assert.equal(edited.name, 'live');
  });
});
