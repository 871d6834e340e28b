// The Serverless Framework (v3) plugin of eddy: `plugins: [eddy/serverless]` in serverless.yml.
// Serverless loads plugins with plain Node and require(): this entry has no top-level await and
// loads the plugin (lib/aws/serverless-plugin.ts) on first use, after registering tsx, so that
// the project's jobs may be TypeScript. It only maps Serverless's lifecycle events to it.

/** Lifecycle events before which the functions are bundled afresh. */
const BUNDLE_BEFORE = ['before:package:createDeploymentArtifacts', 'before:deploy:function:packageFunction', 'before:invoke:local:invoke'];

let implementation;
const load = () => (implementation ??= import('../bin/eddy-runtime.mjs').then(({ importEddy }) => importEddy('lib/aws/serverless-plugin')));

export default class EddyServerlessPlugin {
  constructor(serverless, options, utils) {
    let plugin;
    const get = async () => (plugin ??= new (await load()).EddyServerlessPlugin(serverless, options, utils));
    this.configurationVariablesSources = { eddy: { resolve: async (args) => (await get()).resolveVariable(args) } };
    this.hooks = Object.fromEntries(BUNDLE_BEFORE.map((event) => [event, async () => (await get()).bundle()]));
  }
}
