import { expect } from 'chai';
import { PreconditionFailedError, ValidationError } from '../../../app/errors/app-errors.js';
import { etagFor, noneMatch, versionFromIfMatch } from '../../../app/http/etag.js';

describe('etag', () => {
  it('when If-None-Match lists the current tag, weak or strong, then it matches', () => {
    expect(noneMatch('"3"', etagFor(3))).to.equal(true);
    expect(noneMatch('W/"3"', etagFor(3))).to.equal(true);
    expect(noneMatch('"1", "3"', etagFor(3))).to.equal(true);
    expect(noneMatch('*', etagFor(3))).to.equal(true);
    expect(noneMatch('"2"', etagFor(3))).to.equal(false);
    expect(noneMatch(undefined, etagFor(3))).to.equal(false);
  });

  it('when If-Match holds one of our tags, then it yields the version', () => {
    expect(versionFromIfMatch('"7"')).to.equal(7);
    // nginx weakens the tag when it gzips; the version it names is still ours.
    expect(versionFromIfMatch('W/"7"')).to.equal(7);
    expect(versionFromIfMatch(undefined)).to.equal(undefined);
    expect(versionFromIfMatch('')).to.equal(undefined);
  });

  it('when If-Match holds a tag that cannot be ours, then 412; when it is not a tag, then 400', () => {
    expect(() => versionFromIfMatch('"abc"')).to.throw(PreconditionFailedError);
    expect(() => versionFromIfMatch('"1", "2"')).to.throw(PreconditionFailedError);
    expect(() => versionFromIfMatch('seven')).to.throw(ValidationError);
  });
});
