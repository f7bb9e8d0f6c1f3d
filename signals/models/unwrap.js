// unwrap.js SRC_DIR OUT_DIR: nsfwjs ships its model as browserify bundles
// (model.min.js = model.json object, group1-shard*.min.js = base64 weights);
// write them out as a plain TF.js model.json and .bin shards.
const fs = require("fs"), path = require("path");
const [src, out] = process.argv.slice(2);
function load(f) {
  const module = { exports: {} };
  new Function("module", "exports", "require", "define", fs.readFileSync(f, "utf8"))(module, module.exports, undefined, undefined);
  return module.exports;
}
fs.mkdirSync(out, { recursive: true });
const model = load(path.join(src, "model.min.js"));
fs.writeFileSync(path.join(out, "model.json"), JSON.stringify(model));
for (const g of model.weightsManifest) for (const p of g.paths) {
  const b64 = load(path.join(src, p + ".min.js"));
  fs.writeFileSync(path.join(out, p), Buffer.from(b64, "base64"));
}
