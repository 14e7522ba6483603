/** Random ids, drawn only from the injected `random` so seeded runs repeat exactly. */

const WORD = 0x1_0000_0000;

/** 32 lower-case hex characters, like EVS job ids, project ids and request ids. */
export function hexId(random: () => number): string {
  let id = '';
  for (let word = 0; word < 4; word++) id += Math.floor(random() * WORD).toString(16).padStart(8, '0');
  return id;
}

/** A version-4 UUID, like EVS volume ids. */
export function uuid(random: () => number): string {
  const hex = hexId(random);
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20)}`;
}
