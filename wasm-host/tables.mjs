// tables.mjs — a graph's static tables read from an AOT artifact (CKIR, docs/artifact.md): the one
// table format of every host. The Swift side writes each graph as CompiledGraph.tablesArtifact()
// (tables only) and, for the l4 levels, the compiled artifact; the wasm kernel is created from the
// same bytes (ckw_open_artifact), the JS reference kernel and the step functions read them here.

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function toBytes(buffer) {
  if (buffer instanceof Uint8Array) return buffer; // includes Node's Buffer
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  throw new TypeError('readArtifactTables: expected a Uint8Array, Buffer, ArrayBuffer or typed array');
}

export const CKIR_MAGIC = 0x52494b43;
const CKIR_HEADER_BYTES = 64, CKIR_ENTRY_BYTES = 40;

/**
 * The tables of an AOT artifact (docs/artifact.md: sections 1–10) — {pathCount, stepCount,
 * pathPrefixOffsets, pathPrefixIds, stepOutPath, stepFlags, triggerOffsets, triggerSteps,
 * depOffsets, depPaths, inputOffsets, inputPaths} — copied into fresh typed arrays. For a file the
 * kernel validates (ckw_open_artifact checks everything: checksums, counts, the tables'
 * invariants; the JS kernel's constructor checks the tables as ck_kernel_create does); this reader
 * checks only what keeps it inside the buffer (magic, section count, each section's bounds) and
 * throws naming the offset otherwise.
 */
export function readArtifactTables(buffer) {
  const bytes = toBytes(buffer);
  const size = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (size < CKIR_HEADER_BYTES) throw new Error(`readArtifactTables: truncated header: ${size} bytes, the header needs ${CKIR_HEADER_BYTES}`);
  const magic = view.getUint32(0, true);
  if (magic !== CKIR_MAGIC) {
    throw new Error(`readArtifactTables: bad magic at offset 0: 0x${magic.toString(16).padStart(8, '0')} (expected 0x52494b43, "CKIR")`);
  }
  const count = view.getUint32(20, true);
  const pathCount = view.getUint32(32, true);
  const stepCount = view.getUint32(36, true);
  if (count < 10 || CKIR_HEADER_BYTES + count * CKIR_ENTRY_BYTES > size) {
    throw new Error(`readArtifactTables: the section table (${count} entries at offset ${CKIR_HEADER_BYTES}) does not fit ${size} bytes`);
  }
  const section = (id, elem) => {
    const e = CKIR_HEADER_BYTES + (id - 1) * CKIR_ENTRY_BYTES;
    const got = view.getUint32(e, true), elemSize = view.getUint32(e + 4, true);
    const offset = Number(view.getBigUint64(e + 8, true)), n = Number(view.getBigUint64(e + 16, true));
    if (got !== id || elemSize !== elem || offset + n * elem > size) {
      throw new Error(`readArtifactTables: section entry at offset ${e}: id ${got} (expected ${id}), element ${elemSize} (expected ${elem}), bytes [${offset}, ${offset + n * elem}) of ${size}`);
    }
    const raw = bytes.slice(offset, offset + n * elem); // a copy: aligned, independent of the file
    if (elem === 1) return raw;
    if (LITTLE_ENDIAN_HOST) return new Uint32Array(raw.buffer);
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getUint32(offset + 4 * i, true);
    return out;
  };
  return {
    pathCount, stepCount,
    pathPrefixOffsets: section(1, 4), pathPrefixIds: section(2, 4), stepOutPath: section(3, 4), stepFlags: section(4, 1),
    triggerOffsets: section(5, 4), triggerSteps: section(6, 4), depOffsets: section(7, 4), depPaths: section(8, 4),
    inputOffsets: section(9, 4), inputPaths: section(10, 4),
  };
}
