// The OpenAPI document of every variant, byte for byte: a refactor of the edge (answers, credentials, route table)
// must not change what clients and generators read. A deliberate change of the document updates the snapshot
// (`npx jest openapi-snapshot -u`) in the same commit, so the diff shows what clients will see.
import { createTestApp } from '../helpers/create-app';
import { documentVariants } from '../helpers/openapi-variants';

test.each(documentVariants)('the document of %s is unchanged', async (_name, options) => {
  const t = await createTestApp(options);
  try {
    expect(JSON.stringify(t.auth.openapi(), null, 2)).toMatchSnapshot();
  } finally {
    await t.close();
  }
});
