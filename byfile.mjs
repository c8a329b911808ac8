import fs from "node:fs";
const p = JSON.parse(fs.readFileSync(process.argv[2]));
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) {
  dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
}
const by = new Map();
let total = 0, idle = 0;
for (const n of p.nodes) {
  const t = dt.get(n.id) ?? 0;
  if (n.callFrame.functionName === "(idle)") {
    idle += t;
    continue;
  }
  total += t;
  const u = n.callFrame.url;
  const k = u.includes("undici")
    ? "undici"
    : u.includes("/esm/")
    ? "tlsmith:" + u.split("/").pop()
    : u.startsWith("node:")
    ? u.split(":")[1].split("/")[0] === "internal" ? "node:internal/" + u.split("/")[1] : u
    : (n.callFrame.functionName || "(native)");
  by.set(k, (by.get(k) ?? 0) + t);
}
for (const [k, t] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log((t / total * 100).toFixed(1).padStart(5), k);
}
