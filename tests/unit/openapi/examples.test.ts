import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { expect } from 'chai';
import { API_SECTIONS } from '../../../app/app.js';
import { buildOpenApiDocument } from '../../../app/openapi/document.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

interface Schema {
  examples?: unknown[];
}
interface Parameter {
  name: string;
  schema: Schema;
  example?: unknown;
}

/**
 * Spectral checks `example` and `default`, not OpenAPI 3.1's `examples` arrays: an
 * example that broke its own schema would mislead every reader of /docs.
 */
describe('the OpenAPI document’s examples', () => {
  const document = JSON.parse(buildOpenApiDocument('0.0.0', API_SECTIONS)) as {
    components: { schemas: Record<string, Schema> };
    paths: Record<string, Record<string, { parameters?: Parameter[] }>>;
  };
  const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));

  it('when each named schema’s examples are validated against it, then every one passes', () => {
    const schemas = Object.entries(document.components.schemas);
    expect(schemas).to.have.length.above(10);
    for (const [name, schema] of schemas) {
      expect(schema.examples, name).to.be.an('array').that.is.not.empty;
      for (const example of schema.examples ?? []) {
        expect(ajv.validate(schema, example), `${name}: ${ajv.errorsText()}`).to.equal(true);
      }
    }
  });

  it('when each parameter example is validated against its schema, then every one passes', () => {
    const parameters = Object.values(document.paths)
      .flatMap((item) => Object.values(item))
      .flatMap((operation) => operation.parameters ?? [])
      .filter((parameter) => parameter.example !== undefined);
    expect(parameters).to.have.length.above(1);
    for (const { name, schema, example } of parameters) {
      expect(ajv.validate(schema, example), `${name}: ${ajv.errorsText()}`).to.equal(true);
    }
  });
});
