// Prints the allocation sites of a .heapprofile by self bytes: node bench/heap-prof-top.mjs FILE [N]
import { readFileSync } from 'node:fs';
const { head } = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const self = new Map();
let total = 0;
const walk = (node) => {
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  const key = `${functionName || '(anon)'} ${url.split('/').slice(-2).join('/')}:${lineNumber}:${columnNumber}`;
  self.set(key, (self.get(key) ?? 0) + node.selfSize);
  total += node.selfSize;
  for (const child of node.children) walk(child);
};
walk(head);
for (const [key, bytes] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] ?? 30))) {
  console.log(`${((bytes / total) * 100).toFixed(1).padStart(5)}%  ${(bytes / 1e6).toFixed(1).padStart(7)} MB  ${key}`);
}
console.log(`total ${(total / 1e6).toFixed(0)} MB`);
