// Stands in for the whatwg-url package in the adaptor's bundle (scripts/bundle.ts aliases it
// here). node-fetch 2, which client-node's KubeConfig imports for its Headers, imports
// whatwg-url but uses its URL only where Node has none (`Url.URL || whatwgUrl.URL`); evaluating
// whatwg-url and tr46's Unicode tables cost 2.8 MiB of RSS on Node 20 and 5.1 MiB on Node 26
// (a bundle of client-node's KubeConfig alone, measured with and without this file).
export default { URL: globalThis.URL, URLSearchParams: globalThis.URLSearchParams };
