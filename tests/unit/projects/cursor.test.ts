import { expect } from 'chai';
import { decodeCursor, encodeCursor } from '../../../app/projects/cursor.js';
import { ValidationError } from '../../../app/errors/app-errors.js';

const id = '0123456789abcdef01234567';

describe('cursor', () => {
  it('when a cursor is encoded, then it decodes to the same position', () => {
    const position = { sort: '-budget' as const, value: 12345, id };
    expect(decodeCursor(encodeCursor(position), '-budget')).to.deep.equal(position);
  });

  it('when a cursor was made for another sort, then it is rejected', () => {
    const cursor = encodeCursor({ sort: 'name', value: 'abc', id });
    expect(() => decodeCursor(cursor, 'budget')).to.throw(ValidationError, /another sort/);
  });

  it('when a cursor is forged or garbage, then it is a 400 naming query.cursor', () => {
    const forged = [
      'not base64!',
      Buffer.from('{"a":1}').toString('base64url'),
      Buffer.from(JSON.stringify(['budget', { $gt: '' }, id])).toString('base64url'),
      Buffer.from(JSON.stringify(['budget', 5, 'zz'])).toString('base64url'),
      Buffer.from(JSON.stringify(['budget', -1, id])).toString('base64url'),
      Buffer.from(JSON.stringify(['name', 5, id])).toString('base64url'),
    ];
    for (const cursor of forged) {
      expect(() => decodeCursor(cursor, 'budget'), cursor).to.throw(ValidationError);
    }
    expect(() => decodeCursor('garbage', 'budget'))
      .to.throw(ValidationError)
      .with.nested.property('extras.errors[0].path', 'query.cursor');
  });
});
