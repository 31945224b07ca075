/** `n***@example.com`: enough for the owner to recognise, not enough to harvest. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  // The first character by code point, as PostgreSQL's left(email, 1) in the COPY export path: never half a surrogate pair.
  return `${String.fromCodePoint(email.codePointAt(0)!)}***${email.slice(at)}`;
}
