/**
 * The `require('flotilla')` entry (the `require` condition of the package's `exports`), for CommonJS code:
 * scripts, and notebook kernels such as tslab, which compile each cell to CommonJS. flotilla is an ES module;
 * Node 20.19+ loads it through `require`, and this file hands back the very same module namespace as
 * `import('flotilla')`, so classes and `instanceof` agree between the two. On an older Node the failure is
 * turned into an error that names the Node version and what to do instead.
 */
/** Thrown by `require('flotilla')` on a Node that cannot `require` an ES module (before 20.19). */
class RequireEsmUnsupportedError extends Error {
  override name = 'RequireEsmUnsupportedError';
}

function load(): unknown {
  try {
    return require('./index.js');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ERR_REQUIRE_ESM') throw error;
    throw new RequireEsmUnsupportedError(
      `require('flotilla') needs Node 20.19 or newer, which can require an ES module; this is Node ${process.versions.node}. ` +
        `Upgrade Node, or load it as an ES module: \`const { Client } = await import('flotilla')\` (in a tslab notebook cell, ` +
        `whose import() becomes require, write \`await eval("import('flotilla')")\`).`,
      { cause: error },
    );
  }
}

module.exports = load();
