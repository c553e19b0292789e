import { describe, expect, it } from 'vitest';

import { ModelFormatError } from '../../src/errors.js';
import { dmclDefinition } from '../../src/model/definition.js';
import {
  decodeParameterFile,
  encodeParameterFile,
  PARAMETER_FILE_VERSION,
} from '../../src/model/parameter-file.js';
import { initParameters, paramSpecs } from '../../src/model/parameters.js';

describe('parameter file', () => {
  const definition = dmclDefinition(68, { heads: 2, lastChannels: 64 });
  const parameters = initParameters(definition, { seed: 3 });
  const bytes = encodeParameterFile({ definition, parameters, metadata: { stage: 'x' } });

  it('round-trips definition, every tensor and metadata', () => {
    const file = decodeParameterFile(bytes, 'a.dmcl');
    expect(file.definition).toEqual(definition);
    expect(file.metadata).toEqual({ stage: 'x' });
    for (const spec of paramSpecs(definition)) {
      expect(file.parameters.get(spec.name)).toEqual(parameters.get(spec.name));
    }
  });

  it('reads a Node Buffer from a file, whose slices are views', async () => {
    const { mkdtemp, readFile, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = `${await mkdtemp(`${tmpdir()}/dmcl-`)}/a.dmcl`;
    await writeFile(path, bytes);
    const file = decodeParameterFile(await readFile(path), path);
    const name = 'conv43.bn.var';
    expect(file.parameters.get(name)).toEqual(parameters.get(name));
    expect(file.parameters.get('spl1.weight')).toEqual(parameters.get('spl1.weight'));
  });

  it('rejects a damaged file, naming it and the checksums', () => {
    const damaged = bytes.slice();
    const at = damaged.length - 100;
    damaged[at] = (damaged[at] ?? 0) ^ 0x40;
    expect(() => decodeParameterFile(damaged, 'a.dmcl')).toThrow(ModelFormatError);
    expect(() => decodeParameterFile(damaged, 'a.dmcl')).toThrow(
      /a\.dmcl: damaged file \(CRC-32/,
    );
  });

  it('rejects a foreign file and a file of another format version', () => {
    expect(() =>
      decodeParameterFile(new TextEncoder().encode('hello world, not a model'), 'b'),
    ).toThrow(
      /b: not a DMCL parameter file \(expected magic 44 4d 43 4c, got 68 65 6c 6c\)/,
    );
    const newer = bytes.slice();
    new DataView(newer.buffer).setUint32(4, PARAMETER_FILE_VERSION + 1, true);
    expect(() => decodeParameterFile(newer, 'c')).toThrow(
      `c: parameter file format version ${PARAMETER_FILE_VERSION + 1}, this build reads version ${PARAMETER_FILE_VERSION}`,
    );
  });
});
