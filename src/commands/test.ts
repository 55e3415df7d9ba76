import { Command } from 'commander';
import type { Io } from '../ui/io.js';
import { withKubeFlags, connectKube, type KubeFlags } from './kube-flags.js';
import { parseTimeout } from './flag-values.js';
import { ExitCode, MeshctlError } from '../ui/errors.js';
import { ISTIO_NAMESPACE } from '../manifests/istio.js';
import { outputOption } from '../ui/output.js';

interface TestFlags extends KubeFlags {
  output: string;
  junit?: string;
  xdsAddress?: string;
  istioNamespace: string;
  timeout: string;
}

export function command(io: Io): Command {
  return withKubeFlags(new Command('test')
    .summary('check routing assertions (destinations, status, mTLS, authorization) against what istiod configures')
    .description('Run the routing tests of YAML files against the live cluster: each test\'s request is followed through the ' +
      'configuration istiod gives a ghost of the client pod (as `meshctl explain request` does), and its expectations are ' +
      'checked: the share of requests each destination gets, the VirtualService of the route, the status the mesh answers ' +
      '(404 without a route, 403 when denied, a fault\'s abort), the inbound mTLS mode and the authorization verdict at the ' +
      'destination pods, the timeout and the retries. Exit 79 when an expectation fails, 65 when a file is not a test file.')
    .argument('<file...>', 'test files (YAML: tests: [ {name, from, request, expect} ])')
    .addOption(outputOption(['text', 'json']))
    .option('--junit <file>', 'also write the results as JUnit XML to this file')
    .option('--xds-address <host:port>', 'istiod\'s plaintext xDS address, when reachable directly (default: a port-forward to istiod\'s pod)')
    .option('-i, --istio-namespace <ns>', 'namespace of istiod', ISTIO_NAMESPACE)
    .option('--timeout <duration>', 'how long to wait for istiod\'s answer to each request', '30s'))
    .addHelpText('after', `
Example file (routing.yaml):
  tests:
  - name: reviews is split 90/10
    from: { namespace: bookinfo, selector: app=productpage }
    request: { url: "http://reviews:9080/" }
    expect: { destinations: { v1: 90, v2: 10 }, virtualService: bookinfo/reviews, status: 200 }
  - name: jason sees v2
    from: { namespace: bookinfo, selector: app=productpage }
    request: { url: "http://reviews:9080/", headers: { end-user: jason } }
    expect: { destinations: { v2: 100 }, mtls: STRICT, authz: ALLOW }

Examples:
  meshctl test routing.yaml
  meshctl test tests/*.yaml --junit report.xml
  meshctl test routing.yaml -o json | jq '.[] | select(.failures | length > 0)'`)
    .action(async (files: string[], flags: TestFlags) => {
      const timeoutMs = parseTimeout(flags.timeout);
      const { loadRoutingTests, runRoutingTests } = await import('../mesh/xds/run-tests.js');
      const suites = await loadRoutingTests(files);
      const kube = await connectKube(flags);
      const xds = { ...(flags.xdsAddress ? { xdsAddress: flags.xdsAddress } : {}), istioNamespace: flags.istioNamespace, timeoutMs };
      const results = await runRoutingTests(kube, suites, xds);
      const { printResult } = await import('../ui/output.js');
      if (flags.junit) {
        const { junitXml } = await import('../ui/junit.js');
        const { writeFile } = await import('node:fs/promises');
        await writeFile(flags.junit, junitXml('meshctl test', results.map((r) => ({ name: `${r.file}: ${r.name}`, time: r.seconds, failures: r.failures, ...(r.error ? { error: r.error } : {}) }))));
      }
      const { renderResults } = await import('../mesh/xds/run-tests.js');
      await printResult(io, flags.output, results, () => renderResults(results));
      const failed = results.filter((r) => r.failures.length || r.error).length;
      if (failed) throw new MeshctlError(`${failed} of ${results.length} test(s) failed`, ExitCode.AnalysisIssues);
    });
}
