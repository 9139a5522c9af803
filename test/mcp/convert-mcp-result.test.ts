import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { convertMcpResult } from '../../src/mcp/convert-mcp-result.js';

describe('MCP results', () => {
  test('convertMcpResult: text, images and embedded resources become the Messages API blocks; what it cannot show is named', () => {
    const blocks = convertMcpResult({
      content: [
        { type: 'text', text: 'hello' },
        { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' },
        { type: 'image', data: 'AAAA', mimeType: 'image/bmp' },
        { type: 'audio', data: 'AAAA', mimeType: 'audio/wav' },
        { type: 'resource', resource: { uri: 'file:///notes.md', mimeType: 'text/markdown', text: '# Notes' } },
        { type: 'resource', resource: { uri: 'file:///logo.jpg', mimeType: 'image/jpeg', blob: '/9j/4AAQ' } },
        { type: 'resource', resource: { uri: 'file:///data.bin', mimeType: 'application/octet-stream', blob: 'AAAAAAAA' } },
        { type: 'resource_link', uri: 'file:///big.csv', name: 'big.csv' },
      ],
    });
    assert.deepEqual(blocks, [
      { type: 'text', text: 'hello' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'text', text: '[an image of type image/bmp (3 bytes) was left out: the model takes JPEG, PNG, GIF and WebP]' },
      { type: 'text', text: '[audio of type audio/wav (3 bytes) was left out: the model does not take audio]' },
      { type: 'text', text: '[resource file:///notes.md (text/markdown)]\n# Notes' },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
      { type: 'text', text: '[resource file:///data.bin of type application/octet-stream (6 bytes) was left out: it is binary]' },
      { type: 'text', text: '[resource link: big.csv file:///big.csv]' },
    ]);
  });

  test('convertMcpResult: with no content, the structured result is given as JSON', () => {
    assert.deepEqual(convertMcpResult({ content: [], structuredContent: { temperature: 21 } }), [{ type: 'text', text: '{"temperature":21}' }]);
    assert.deepEqual(convertMcpResult({}), [{ type: 'text', text: '' }]);
  });
});
