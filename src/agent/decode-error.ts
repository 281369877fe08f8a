/** Wire JSON that does not decode: a wrong type, an unknown field where refused; the message names the field. */
export class DecodeError extends Error {
  override name = "DecodeError";
}
