// tables.mjs — the "CKT1" static-tables file: reader and writer (pure JavaScript, no dependencies).
//
// Layout (little-endian). Header: 8 uint32 words
//   magic 0x31544B43 ("CKT1"), version 1, path_count P, step_count S, prefix_ids_len,
//   trigger_steps_len, dep_paths_len, input_paths_len.
// Then, each array directly after the previous one:
//   path_prefix_offsets u32[P+1], path_prefix_ids u32[prefix_ids_len], step_out_path u32[S],
//   step_flags u8[S] (zero-padded to a multiple of 4 bytes), trigger_offsets u32[P+1],
//   trigger_steps u32[trigger_steps_len], dep_offsets u32[S+1], dep_paths u32[dep_paths_len],
//   input_offsets u32[S+1], input_paths u32[input_paths_len].
// input_* are the raw deps of each step in the order the step lists them (0xFFFFFFFF = a dep that
// maps to no path); step functions use them, planning does not.
//
// The reader checks what ckw_create's parser checks (CKernel/wasm/ck_wasm.c): the magic, the
// version, that every array lies inside the buffer (it never reads past the end), that the buffer
// ends exactly after the last array, and that the CSR totals agree with the header's lengths
// (path_prefix_offsets[P], trigger_offsets[P], dep_offsets[S], and also input_offsets[S]). It does
// not check the tables' content: JsKernel's constructor validates that, like ck_kernel_create.

export const CKT1_MAGIC = 0x31544b43;
export const CKT1_VERSION = 1;
const HEADER_BYTES = 32;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function toBytes(buffer) {
  if (buffer instanceof Uint8Array) return buffer; // includes Node's Buffer
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  throw new TypeError('readTables: expected a Uint8Array, Buffer, ArrayBuffer or typed array');
}

/** Reads a CKT1 buffer into fresh, aligned typed arrays. Throws on bad magic/version/truncation. */
export function readTables(buffer) {
  const bytes = toBytes(buffer);
  const size = bytes.length;
  if (size < HEADER_BYTES) {
    throw new Error(`readTables: truncated header: ${size} bytes, the CKT1 header needs ${HEADER_BYTES}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  if (magic !== CKT1_MAGIC) {
    throw new Error(`readTables: bad magic at offset 0: 0x${magic.toString(16).padStart(8, '0')} (expected 0x31544b43, "CKT1")`);
  }
  const version = view.getUint32(4, true);
  if (version !== CKT1_VERSION) {
    throw new Error(`readTables: unsupported version at offset 4: ${version} (expected ${CKT1_VERSION})`);
  }
  const pathCount = view.getUint32(8, true);
  const stepCount = view.getUint32(12, true);
  const prefixIdsLen = view.getUint32(16, true);
  const triggerStepsLen = view.getUint32(20, true);
  const depPathsLen = view.getUint32(24, true);
  const inputPathsLen = view.getUint32(28, true);

  let at = HEADER_BYTES; // a JS number: no overflow for any header values
  const u32 = (field, count) => {
    const bytesNeeded = count * 4;
    if (at + bytesNeeded > size) {
      throw new Error(`readTables: truncated data: ${field} (${count} uint32) spans bytes [${at}, ${at + bytesNeeded}) but the buffer has ${size}`);
    }
    const out = new Uint32Array(count);
    if (LITTLE_ENDIAN_HOST) {
      new Uint8Array(out.buffer).set(bytes.subarray(at, at + bytesNeeded));
    } else {
      for (let i = 0; i < count; i++) out[i] = view.getUint32(at + i * 4, true);
    }
    at += bytesNeeded;
    return out;
  };

  const pathPrefixOffsets = u32('path_prefix_offsets', pathCount + 1);
  const pathPrefixIds = u32('path_prefix_ids', prefixIdsLen);
  const stepOutPath = u32('step_out_path', stepCount);
  const flagBytes = Math.ceil(stepCount / 4) * 4;
  if (at + flagBytes > size) {
    throw new Error(`readTables: truncated data: step_flags (${stepCount} bytes, padded to ${flagBytes}) spans bytes [${at}, ${at + flagBytes}) but the buffer has ${size}`);
  }
  const stepFlags = new Uint8Array(stepCount);
  stepFlags.set(bytes.subarray(at, at + stepCount));
  at += flagBytes;
  const triggerOffsets = u32('trigger_offsets', pathCount + 1);
  const triggerSteps = u32('trigger_steps', triggerStepsLen);
  const depOffsets = u32('dep_offsets', stepCount + 1);
  const depPaths = u32('dep_paths', depPathsLen);
  const inputOffsets = u32('input_offsets', stepCount + 1);
  const inputPaths = u32('input_paths', inputPathsLen);
  if (at !== size) {
    throw new Error(`readTables: trailing data: the header implies ${at} bytes, the buffer has ${size} (extra bytes from offset ${at})`);
  }
  // the CSR totals must agree with the header's lengths
  const total = (field, offsets, count, lenField, len, start) => {
    if (offsets[count] !== len) {
      throw new Error(`readTables: ${field}[${count}] = ${offsets[count]} at offset ${start + count * 4} disagrees with the header's ${lenField} = ${len}`);
    }
  };
  const starts = [HEADER_BYTES];
  starts.push(starts[0] + (pathCount + 1) * 4 + prefixIdsLen * 4 + stepCount * 4 + flagBytes); // trigger_offsets
  starts.push(starts[1] + (pathCount + 1) * 4 + triggerStepsLen * 4);                          // dep_offsets
  starts.push(starts[2] + (stepCount + 1) * 4 + depPathsLen * 4);                              // input_offsets
  total('path_prefix_offsets', pathPrefixOffsets, pathCount, 'prefix_ids_len', prefixIdsLen, starts[0]);
  total('trigger_offsets', triggerOffsets, pathCount, 'trigger_steps_len', triggerStepsLen, starts[1]);
  total('dep_offsets', depOffsets, stepCount, 'dep_paths_len', depPathsLen, starts[2]);
  total('input_offsets', inputOffsets, stepCount, 'input_paths_len', inputPathsLen, starts[3]);

  return {
    pathCount, stepCount, pathPrefixOffsets, pathPrefixIds, stepOutPath, stepFlags,
    triggerOffsets, triggerSteps, depOffsets, depPaths, inputOffsets, inputPaths,
  };
}

/**
 * Writes tables (the shape readTables returns; plain arrays are accepted too) as a CKT1 buffer.
 * The header's lengths are the arrays' lengths. inputOffsets/inputPaths may be omitted: every
 * step then has no inputs.
 */
export function writeTables(t) {
  const P = t.pathCount >>> 0, S = t.stepCount >>> 0;
  const inputOffsets = t.inputOffsets ?? new Uint32Array(S + 1);
  const inputPaths = t.inputPaths ?? new Uint32Array(0);
  const sections = [
    ['pathPrefixOffsets', t.pathPrefixOffsets, P + 1],
    ['pathPrefixIds', t.pathPrefixIds, -1],
    ['stepOutPath', t.stepOutPath, S],
    ['stepFlags', t.stepFlags, S],
    ['triggerOffsets', t.triggerOffsets, P + 1],
    ['triggerSteps', t.triggerSteps, -1],
    ['depOffsets', t.depOffsets, S + 1],
    ['depPaths', t.depPaths, -1],
    ['inputOffsets', inputOffsets, S + 1],
    ['inputPaths', inputPaths, -1],
  ];
  let total = HEADER_BYTES;
  for (const [name, arr, want] of sections) {
    if (arr == null) throw new Error(`writeTables: missing ${name}`);
    if (want >= 0 && arr.length !== want) throw new Error(`writeTables: ${name} has ${arr.length} entries, expected ${want}`);
    total += name === 'stepFlags' ? Math.ceil(arr.length / 4) * 4 : arr.length * 4;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const header = [CKT1_MAGIC, CKT1_VERSION, P, S, t.pathPrefixIds.length, t.triggerSteps.length,
    t.depPaths.length, inputPaths.length];
  for (let i = 0; i < 8; i++) view.setUint32(i * 4, header[i], true);
  let at = HEADER_BYTES;
  for (const [name, arr] of sections) {
    if (name === 'stepFlags') {
      for (let i = 0; i < arr.length; i++) out[at + i] = arr[i];
      at += Math.ceil(arr.length / 4) * 4;
    } else {
      for (let i = 0; i < arr.length; i++) view.setUint32(at + i * 4, arr[i] >>> 0, true);
      at += arr.length * 4;
    }
  }
  return out;
}

export const CKIR_MAGIC = 0x52494b43;
const CKIR_HEADER_BYTES = 64, CKIR_ENTRY_BYTES = 40;

/**
 * The tables of an AOT artifact (docs/artifact.md: sections 1–10), in the shape readTables
 * returns, copied into fresh typed arrays. For a file the kernel has already accepted
 * (ckw_open_artifact validates everything: checksums, counts, the tables' invariants); this reader
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
