/** JUnit XML for test results (what CI systems show as a test report). Pure. */

export interface JunitCase {
  name: string;
  /** Seconds. */
  time: number;
  failures: string[];
  /** An error that kept the case from being checked (not a failed expectation). */
  error?: string;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&apos;' })[c]!)
  // characters XML 1.0 cannot hold at all
  // eslint-disable-next-line no-control-regex
  .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/** One <testsuite> named `suite`, a <testcase> per case with its failures or error. */
export function junitXml(suite: string, cases: JunitCase[]): string {
  const failures = cases.filter((c) => !c.error && c.failures.length > 0).length;
  const errors = cases.filter((c) => c.error).length;
  const time = cases.reduce((s, c) => s + c.time, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${cases.length}" failures="${failures}" errors="${errors}" time="${time.toFixed(3)}">`,
    `  <testsuite name="${escape(suite)}" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${time.toFixed(3)}">`,
  ];
  for (const c of cases) {
    const open = `    <testcase classname="${escape(suite)}" name="${escape(c.name)}" time="${c.time.toFixed(3)}"`;
    if (c.error) lines.push(`${open}>`, `      <error message="${escape(c.error)}"></error>`, '    </testcase>');
    else if (c.failures.length) lines.push(`${open}>`, `      <failure message="${escape(c.failures[0])}">${escape(c.failures.join('\n'))}</failure>`, '    </testcase>');
    else lines.push(`${open}/>`);
  }
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}
