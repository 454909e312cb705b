/** in-toto's DSSE payload type (https://github.com/in-toto/attestation/blob/main/spec/v1/envelope.md). */
export const INTOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
