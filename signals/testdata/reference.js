// reference.js MODELS PICTURES [RUNS]: the reference run for the parity test
// and the speed comparison. It runs the same models on the same pixels
// with TF.js's own CPU backend (pure JS) and the models' own pre- and
// post-processing as @vladmandic/human (blazeface decode, faceres age
// formula) and nsfwjs (divide by 255, align-corners resize to 224) do it,
// with the parameters Scrim's Go analyzer documents (signals/models).
// PICTURES holds records of u32 width, u32 height, width*height*3 RGB bytes.
// Prints one JSON line per picture, then {"runs":..,"seconds":..} timing
// RUNS further passes (default 0).
const path = require("path"), fs = require("fs");
module.paths.unshift(path.join(process.env.SCRIM_TFJS || ".cache/tfjs", "node_modules"));
const tf = require("@tensorflow/tfjs");

const [modelsDir, picsFile, runsArg] = process.argv.slice(2);
const MIN_SCORE = 0.5, IOU = 0.3, MAX_FACES = 20, ENLARGE = 1.4;

function artifacts(jsonPath) {
  const m = JSON.parse(fs.readFileSync(jsonPath, "utf8"));
  const specs = [], bufs = [];
  for (const g of m.weightsManifest) {
    specs.push(...g.weights);
    for (const p of g.paths) bufs.push(fs.readFileSync(path.join(path.dirname(jsonPath), p)));
  }
  const all = Buffer.concat(bufs);
  return { modelTopology: m.modelTopology, format: m.format, weightSpecs: specs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.length) };
}

function anchors(size) {
  const out = [];
  const spec = { strides: [size / 16, size / 8], anchors: [2, 6] };
  for (let i = 0; i < 2; i++) {
    const s = spec.strides[i], rows = Math.floor((size + s - 1) / s);
    for (let y = 0; y < rows; y++) for (let x = 0; x < rows; x++)
      for (let n = 0; n < spec.anchors[i]; n++) out.push([s * (x + 0.5), s * (y + 0.5)]);
  }
  return out;
}

async function analyze(m, img, w, h) {
  return tf.tidy(() => {
    const x = tf.tensor4d(img, [1, h, w, 3], "float32");
    // blazeface, as human's getBoxes: resize to 256, /127.5 - 1
    const inp = tf.sub(tf.div(tf.image.resizeBilinear(x, [256, 256]), 127.5), 1);
    const res = m.blaze.execute(inp);
    const sorted = res.slice().sort((a, b) => a.size - b.size);
    const batch = tf.squeeze(tf.concat([tf.concat([sorted[1], sorted[3]], 2), tf.concat([sorted[0], sorted[2]], 2)], 1), [0]);
    const raw = batch.arraySync();
    const scores = [], boxes = [];
    for (let i = 0; i < raw.length; i++) {
      const r = raw[i], a = m.anchors[i];
      scores.push(1 / (1 + Math.exp(-r[0])));
      const cx = r[1] + a[0], cy = r[2] + a[1];
      boxes.push([cx - r[3] / 2, cy - r[4] / 2, cx + r[3] / 2, cy + r[4] / 2]);
    }
    const keep = tf.image.nonMaxSuppression(tf.tensor2d(boxes), tf.tensor1d(scores), MAX_FACES, IOU, MIN_SCORE).arraySync();
    const faces = [];
    for (const i of keep) {
      const b = boxes[i];
      const x1 = b[0] * w / 256, y1 = b[1] * h / 256, x2 = b[2] * w / 256, y2 = b[3] * h / 256;
      // faceres on the enlarged, squared crop (human: enlargeBox 1.4, squarifyBox)
      const cx = (x1 + x2) / 2, cy = (y1 + y2) / 2, half = ENLARGE * Math.max(x2 - x1, y2 - y1) / 2;
      const crop = tf.image.cropAndResize(x, [[(cy - half) / (h - 1), (cx - half) / (w - 1), (cy + half) / (h - 1), (cx + half) / (w - 1)]], [0], [224, 224]);
      const out = m.faceres.execute(crop, ["gender_pred/Sigmoid:0", "age_pred/Softmax:0"]);
      const gender = out[0].dataSync()[0], ages = Array.from(out[1].dataSync());
      faces.push({ x: x1, y: y1, w: x2 - x1, h: y2 - y1, score: scores[i], gender, ages });
    }
    // nsfwjs: /255, resizeBilinear(224, alignCorners true)
    const n = tf.image.resizeBilinear(tf.div(x, 255), [224, 224], true);
    const nsfw = Array.from(m.nsfw.predict(n).dataSync());
    return { scores, faces, nsfw };
  });
}

(async () => {
  await tf.setBackend("cpu");
  const m = {
    blaze: await tf.loadGraphModel(tf.io.fromMemory(artifacts(path.join(modelsDir, "blazeface.json")))),
    faceres: await tf.loadGraphModel(tf.io.fromMemory(artifacts(path.join(modelsDir, "faceres.json")))),
    nsfw: await tf.loadLayersModel(tf.io.fromMemory(artifacts(path.join(modelsDir, "nsfwjs-mobilenet_v2", "model.json")))),
    anchors: anchors(256),
  };
  const buf = fs.readFileSync(picsFile), pics = [];
  for (let off = 0; off < buf.length;) {
    const w = buf.readUInt32LE(off), h = buf.readUInt32LE(off + 4);
    pics.push({ w, h, px: Float32Array.from(buf.subarray(off + 8, off + 8 + w * h * 3)) });
    off += 8 + w * h * 3;
  }
  for (const p of pics) console.log(JSON.stringify(await analyze(m, p.px, p.w, p.h)));
  const runs = parseInt(runsArg || "0", 10);
  if (runs > 0) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < runs; r++) for (const p of pics) await analyze(m, p.px, p.w, p.h);
    console.log(JSON.stringify({ runs: runs * pics.length, seconds: Number(process.hrtime.bigint() - t0) / 1e9 }));
  }
})().catch((e) => { console.error(e); process.exit(1); });
