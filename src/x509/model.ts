/**
 * THE parsed certificate of tlsmith: one plain object made once per certificate from its DER,
 * read by `describeCertificate`, chain verification, the CA, the CSR code and every CLI command.
 * Nobody parses a certificate a second time.
 *
 * Everything is decoded strictly through the project's DER reader (`_internal/der.ts`) and the
 * one OID registry (`_internal/oids.ts`): names ({@linkcode Name}: structured RDNs, the DER for
 * exact comparison and ONE RFC 4514 string), the serial (signed), the validity (UTCTime
 * `YYMMDDHHMMSSZ` / GeneralizedTime `YYYYMMDDHHMMSSZ` only), the public key, every extension by
 * its one codec (`extensions.ts`; unknown ones kept as OID + critical + bytes), the
 * subjectAltName entries of every GeneralName type, fingerprints, the raw TBS bytes and both
 * signature algorithms. Any input that is not such a certificate is a `BAD_CERTIFICATE`
 * {@linkcode TlsmithError} saying what is wrong and where; nothing else is ever thrown.
 *
 * @module
 */

/** An AlgorithmIdentifier (signature or public-key algorithm). */
export interface AlgorithmIdentifier {
  /** The dotted OID. */
  readonly oid: string;
  /** How OpenSSL names it (`sha256WithRSAEncryption`, `id-ecPublicKey`), or the OID. */
  readonly name: string;
  /** The DER of the parameters element, when present (`05 00` for NULL). */
  readonly parameters?: Uint8Array;
  /** The DER of the whole AlgorithmIdentifier (for exact comparison). */
  readonly der: Uint8Array;
}

/** One AttributeTypeAndValue of a distinguished name. */
export interface NameAttribute {
  /** The attribute type's dotted OID (`2.5.4.3`). */
  readonly oid: string;
  /** The short name RFC 4514 prints (`CN`, `O`, `emailAddress`), or the dotted OID. */
  readonly type: string;
  /** The universal tag of the value (12 UTF8String, 19 PrintableString, 22 IA5String, …). */
  readonly tag: number;
  /**
   * The text of a string value (UTF8String, PrintableString, IA5String, TeletexString as
   * Latin-1, BMPString, UniversalString, …); absent for values that are not strings. Bytes that
   * the string type does not allow (a non-ASCII byte in an IA5String) are kept one code point per
   * byte, and the RFC 4514 form escapes them.
   */
  readonly value?: string;
  /** The DER of the AttributeValue. */
  readonly der: Uint8Array;
}

/** A relative distinguished name: one or more attributes (a SET). */
export type Rdn = readonly NameAttribute[];

/** A distinguished name (an X.501 `Name`). */
export interface Name {
  /** The RDNs in encoding order (least specific first, as in the DER: `C`, `O`, `CN`). */
  readonly rdns: readonly Rdn[];
  /** The DER of the Name, for exact comparison. */
  readonly der: Uint8Array;
  /**
   * The one string form (RFC 4514): most specific RDN first, `, ` between RDNs, `+` inside a
   * multi-valued RDN, RFC 4514 escaping, `#hex` for values that are not strings or have a dotted
   * type, `\XX` for control bytes and for bytes a string type does not allow. Empty for an
   * empty name.
   */
  readonly text: string;
}

/**
 * One GeneralName (RFC 5280 §4.2.1.6), of any of its nine types. The `dns`, `email`, `uri` and
 * `ip` members are also tlsmith's `SubjectAltName`s. IA5String values keep every byte (one code
 * point per byte), so a malformed name is never silently repaired: check it with the predicates
 * of `names.ts` before trusting it.
 */
export type GeneralName =
  | {
    /** otherName `[0]`. */
    readonly type: "otherName";
    /** The type-id OID. */
    readonly oid: string;
    /** The DER of the value inside `[0] EXPLICIT`. */
    readonly value: Uint8Array;
    /** The text of a UPN / SmtpUTF8Mailbox (a UTF8String), when it is one. */
    readonly text?: string;
  }
  | {
    /** rfc822Name `[1]`. */
    readonly type: "email";
    /** The IA5String (one code point per byte). */
    readonly value: string;
  }
  | {
    /** dNSName `[2]`. */
    readonly type: "dns";
    /** The IA5String (one code point per byte). */
    readonly value: string;
  }
  | {
    /** x400Address `[3]` (kept as its DER; OpenSSL shows `X400Name:<unsupported>`). */
    readonly type: "x400Address";
    /** The DER of the element. */
    readonly der: Uint8Array;
  }
  | {
    /** directoryName `[4]`. */
    readonly type: "directoryName";
    /** The name. */
    readonly name: Name;
  }
  | {
    /** ediPartyName `[5]` (kept as its DER; OpenSSL shows `EdiPartyName:<unsupported>`). */
    readonly type: "ediPartyName";
    /** The DER of the element. */
    readonly der: Uint8Array;
  }
  | {
    /** uniformResourceIdentifier `[6]`. */
    readonly type: "uri";
    /** The IA5String (one code point per byte). */
    readonly value: string;
  }
  | {
    /** iPAddress `[7]`: 4 or 16 bytes in a SAN, 8 or 32 (address and mask) in a name constraint. */
    readonly type: "ip";
    /** The text form (`127.0.0.1`, `::1`, `10.0.0.0/8` in a constraint; hex when the length is odd). */
    readonly value: string;
    /** The raw octets. */
    readonly bytes: Uint8Array;
  }
  | {
    /** registeredID `[8]`. */
    readonly type: "registeredID";
    /** The dotted OID. */
    readonly oid: string;
  };

/** The `type` of a {@linkcode GeneralName}. */
export type GeneralNameType = GeneralName["type"];

/** One GeneralSubtree of a name constraint. */
export interface GeneralSubtree {
  /** The base name (for `ip`: address and mask, 8 or 32 bytes). */
  readonly base: GeneralName;
  /** `minimum` (RFC 5280: always 0). */
  readonly minimum: number;
  /** `maximum` (RFC 5280: always absent). */
  readonly maximum?: number;
}

/** The nameConstraints extension (RFC 5280 §4.2.1.10), decoded. */
export interface NameConstraints {
  /** permittedSubtrees (empty when absent). */
  readonly permitted: readonly GeneralSubtree[];
  /** excludedSubtrees (empty when absent). */
  readonly excluded: readonly GeneralSubtree[];
}

/** The basicConstraints extension, decoded. */
export interface BasicConstraints {
  /** `cA`. */
  readonly ca: boolean;
  /** `pathLenConstraint`, when present. */
  readonly pathLength?: number;
}

/** The authorityKeyIdentifier extension, decoded. */
export interface AuthorityKeyIdentifier {
  /** `keyIdentifier [0]`, when present. */
  readonly keyIdentifier?: Uint8Array;
  /** `authorityCertIssuer [1]`, when present. */
  readonly issuer?: readonly GeneralName[];
  /** `authorityCertSerialNumber [2]`, when present. */
  readonly serial?: bigint;
}

/** One extension as it appears in the certificate (or CSR extension request). */
export interface Extension {
  /** The dotted OID. */
  readonly oid: string;
  /** The name OpenSSL uses (`subjectAltName`), or the OID. */
  readonly name: string;
  /** The critical flag. */
  readonly critical: boolean;
  /** The extnValue contents (the DER of the extension's own value). */
  readonly value: Uint8Array;
}

/** A SubjectPublicKeyInfo, decoded. */
export interface PublicKeyInfo {
  /** The algorithm (OID, name, parameters). */
  readonly algorithm: AlgorithmIdentifier;
  /**
   * What kind of key: `rsa`, `rsa-pss`, `ec`, `ed25519`, `ed448`, `x25519`, `x448`, `dsa`,
   * `dh`, or `unknown`.
   */
  readonly kind: string;
  /** For EC keys: the curve (`P-256`, `secp256k1`, a dotted OID, or `explicit`). */
  readonly curve?: string;
  /** Key size in bits: the exact RSA or DSA modulus length (1025 is 1025), the EC field size. */
  readonly bits?: number;
  /**
   * tlsmith's name for it: a `KeyType` (`ec-p256`, `rsa-2048`, `ed25519`) when tlsmith makes such
   * keys, otherwise a description (`rsa-1025`, `rsa-pss-2048`, `ec-secp256k1`, `dsa-2048`, or
   * the algorithm OID).
   */
  readonly keyType: string;
  /** The subjectPublicKey BIT STRING contents (the encoded key). */
  readonly key: Uint8Array;
  /** The DER of the whole SubjectPublicKeyInfo. */
  readonly der: Uint8Array;
  /** SHA-256 of `der`, upper-case hex with colons (as `tlsmith fingerprint` prints it). */
  readonly sha256: string;
}

/** Fingerprints of a certificate's DER, upper-case hex with colons (`AA:BB:…`). */
export interface Fingerprints {
  /** SHA-256. */
  readonly sha256: string;
  /** SHA-1. */
  readonly sha1: string;
}

/** A parsed X.509 certificate (RFC 5280). */
export interface Certificate {
  /** The DER of the whole certificate. */
  readonly der: Uint8Array;
  /** The DER of tbsCertificate: the signed bytes. */
  readonly tbs: Uint8Array;
  /** The version as people say it: 1, 2 or 3. */
  readonly version: 1 | 2 | 3;
  /** The serial number (signed: a negative serial stays negative). */
  readonly serial: bigint;
  /** The serial as `openssl x509 -serial` prints it: upper-case hex, `-` for a negative one. */
  readonly serialNumber: string;
  /** The signature algorithm inside tbsCertificate. */
  readonly tbsSignatureAlgorithm: AlgorithmIdentifier;
  /** The signature algorithm outside it (what the signature was made with). */
  readonly signatureAlgorithm: AlgorithmIdentifier;
  /** The signature value (the BIT STRING contents). */
  readonly signature: Uint8Array;
  /** The issuer name. */
  readonly issuer: Name;
  /** The subject name. */
  readonly subject: Name;
  /** Start of validity. */
  readonly notBefore: Date;
  /** End of validity (never before `notBefore`). */
  readonly notAfter: Date;
  /** The subject public key. */
  readonly publicKey: PublicKeyInfo;
  /** Every extension, in order, with its critical flag and value. */
  readonly extensions: readonly Extension[];
  /** The OIDs of extensions that appear more than once (RFC 5280 forbids it). */
  readonly duplicateExtensions: readonly string[];
  /** basicConstraints, when present. */
  readonly basicConstraints?: BasicConstraints;
  /** keyUsage names in bit order (`digitalSignature`, `keyCertSign`, …), when present. */
  readonly keyUsage?: readonly string[];
  /** extKeyUsage OIDs, when present (possibly empty). */
  readonly extKeyUsage?: readonly string[];
  /** subjectAltName entries of every type (empty when there is no subjectAltName). */
  readonly subjectAltNames: readonly GeneralName[];
  /** subjectKeyIdentifier, when present. */
  readonly subjectKeyIdentifier?: Uint8Array;
  /** authorityKeyIdentifier, when present. */
  readonly authorityKeyIdentifier?: AuthorityKeyIdentifier;
  /** nameConstraints, when present. */
  readonly nameConstraints?: NameConstraints;
  /** Fingerprints of `der`. */
  readonly fingerprints: Fingerprints;
}

/** A parsed PKCS#10 certificate signing request (RFC 2986). */
export interface CertificateRequest {
  /** The DER of the whole request. */
  readonly der: Uint8Array;
  /** The DER of certificationRequestInfo: the signed bytes. */
  readonly tbs: Uint8Array;
  /** The subject name. */
  readonly subject: Name;
  /** The public key. */
  readonly publicKey: PublicKeyInfo;
  /** The attributes, as OID and the DER of each value (a value SET may be empty). */
  readonly attributes: readonly { readonly oid: string; readonly values: readonly Uint8Array[] }[];
  /** The extensions of the extensionRequest attribute(s), each decoded by its codec. */
  readonly extensions: readonly Extension[];
  /** The subjectAltName entries requested (empty when none). */
  readonly subjectAltNames: readonly GeneralName[];
  /** The signature algorithm. */
  readonly signatureAlgorithm: AlgorithmIdentifier;
  /** The signature value. */
  readonly signature: Uint8Array;
}
