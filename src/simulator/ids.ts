/** Random ids, drawn only from the injected `random` so seeded runs repeat exactly. */

const WORD = 0x1_0000_0000;

/** 32 lower-case hex characters, like EVS job ids, project ids and request ids. */
export function hexId(random: () => number): string {
  return randomBytes(random).toString('hex');
}

/** A version-4 UUID, like EVS volume ids. */
export function uuid(random: () => number): string {
  const bytes = randomBytes(random);
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x40, 6);
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = bytes.toString('hex');
  // `join` yields one flat string; concatenation would keep a rope per id, which adds up over 100 000 jobs.
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
}

/** 16 bytes from four 32-bit draws. */
function randomBytes(random: () => number): Buffer {
  const bytes = Buffer.allocUnsafe(16);
  for (let offset = 0; offset < 16; offset += 4) bytes.writeUInt32BE(Math.floor(random() * WORD), offset);
  return bytes;
}
