import { expect } from 'chai';
import { archiveName } from '../../../app/backup/archive-dir.js';
import { padding, parseHeader, tarHeader } from '../../../app/backup/tar.js';

describe('backup: tar headers and archive names', () => {
  it('when a header is written, then it reads back with its name and size', () => {
    const header = tarHeader('groundwork/projects.bson', 123456, 1767225600);
    expect(header.length).to.equal(512);
    expect(parseHeader(header)).to.deep.equal({ name: 'groundwork/projects.bson', size: 123456 });
    expect(header.toString('ascii', 257, 263)).to.equal('ustar\0');
    expect(padding(123456).length).to.equal(512 - (123456 % 512));
    expect(padding(1024).length).to.equal(0);
  });

  it('when one byte of a header changes, then its checksum refuses it', () => {
    const header = tarHeader('manifest.json', 10, 0);
    header[3] = header[3]! ^ 0x20;
    expect(() => parseHeader(header)).to.throw(/bad header checksum/);
  });

  it('when the end block is read, then there is no entry', () => {
    expect(parseHeader(Buffer.alloc(512))).to.equal(null);
  });

  it('when a name is made, then it is the UTC second, and a suffix when the second is taken', () => {
    const time = new Date('2026-12-04T03:57:08.999Z');
    expect(archiveName(time, 0)).to.equal('groundwork-20261204T035708Z.tar.gz');
    expect(archiveName(time, 2)).to.equal('groundwork-20261204T035708Z-2.tar.gz');
  });
});
