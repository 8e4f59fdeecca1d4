/**
 * The wording of "this captured name cannot travel" errors: which name, why, and a fix that works
 * (each fix is run by a test).
 */

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function callName(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'anonymous' ? name : 'fn';
}

/** "The function `f`", or "The anonymous function" for an arrow without a name. */
function subjectOf(root: string): string {
  return root === 'anonymous' || root === '' ? 'The anonymous function' : `The function \`${root}\``;
}

export const captureMessages = {
  notDefined: (root: string, name: string, prefix = ''): string =>
    `${subjectOf(root)} reads \`${prefix}${name}\`, which is not defined in the caller when it is submitted. Define \`${name}\` first (run the cell or line that declares it), then submit.`,
  nativeFunction: (root: string, name: string, nativeName: string): string =>
    `${subjectOf(root)} reads \`${name}\`, a native function (\`${nativeName}\`) that has no JavaScript source to send. ` +
    `Call it through what it came from inside the function (\`Math.max(0, x)\` rather than a bound copy of \`Math.max\`), or import it at the top of the function's module with a static \`import\`, which travels.`,
  namespace: (root: string, name: string): string =>
    `${subjectOf(root)} reads the module namespace \`${name}\`, but no \`import\` of it was found at the top of the function's module. ` +
    `Import it there with \`import * as ${name} from '…'\`, or inside the function with \`const ${name} = await import('…')\`.`,
  notSerializable: (root: string, name: string, described: string, detail: string): string =>
    `${subjectOf(root)} reads \`${name}\` (${described}), which cannot travel with it: ${detail} ` +
    `Create it inside the function, or pass plain data it is made from as an argument (client.submit(${callName(root)}, data)).`,
  tooLarge: (root: string, name: string, size: number, total: number, limit: number): string =>
    `${subjectOf(root)} captures \`${name}\` (${mb(size)}; ${mb(total)} captured in all), more than the ${mb(limit)} that travels inside a function. ` +
    `Send it to the cluster once and pass the future: \`const [${callName(name)}Future] = await client.scatter([${name}]); client.submit(${callName(root)}, ${callName(name)}Future)\`, with \`${name}\` taken as a parameter.`,
};
