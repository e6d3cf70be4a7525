/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * decode/peek.c - what the first bytes of a payload say about its sender.
 *
 * Pipeline position: capture -> decode -> [peek, with --peek] -> session.
 * The reader calls rk_peek() on the payload view of every decoded TCP, UDP
 * or SCTP packet that carries data and ORs the hint into the record's flags;
 * the classifier (classify/role.c) counts it as one vote among others.
 *
 * A signature is something only one side of a protocol sends at the start
 * of a message:
 *
 *   TCP  text request line    METHOD SP target SP PROTO/d.d CRLF  -> client
 *        text status line     PROTO/d.d SP ddd                    -> server
 *        numbered reply line  [1-5]dd[ -]text CRLF (FTP, SMTP)    -> server
 *        TLS handshake        ClientHello / ServerHello           -> client / server
 *        SSLv2 ClientHello    (old clients' compatible hello)     -> client
 *        PostgreSQL           startup, SSL/GSSENC/cancel request  -> client
 *                             authentication request 'R'          -> server
 *        MongoDB              OP_MSG/OP_COMPRESSED by responseTo,
 *                             OP_QUERY / OP_REPLY                 -> client / server
 *        RESP (Redis)         command array *N $M name            -> client
 *        SMB1/SMB2/3          reply flag, behind an NBSS header   -> client / server
 *        DCE/RPC (CO)         PDU type                            -> client / server
 *        LDAP                 request / result protocolOp         -> client / server
 *        DNS (53/5353/5355)   QR bit, after the 2-byte length     -> client / server
 *   UDP  DNS (53/5353/5355)   QR bit                              -> client / server
 *        NTP (123)            mode 3 / mode 4                     -> client / server
 *        BOOTP/DHCP (67/68)   op BOOTREQUEST / BOOTREPLY          -> client / server
 *        DTLS handshake       ClientHello / ServerHello, HVR      -> client / server
 *        CLDAP                as LDAP on TCP                      -> client / server
 *        text lines           SIP, SSDP (as on TCP)               -> client / server
 *   SCTP text lines           SIP over SCTP (RFC 4168)            -> client / server
 *
 * Some things both sides send and so say nothing: the SSH banner
 * ("SSH-2.0-..." comes from each side first, RFC 4253 4.2), RESP replies (a
 * server's array of bulk strings looks like a command, its simple strings
 * like an inline command), NTP symmetric modes, SMB3 transform (encrypted)
 * headers.  A NOTIFY request line says nothing either: SSDP devices
 * announce themselves with it, SIP notifiers (the subscribed-to side, RFC
 * 6665) and UPnP event publishers send it, all of them what a dependency map
 * calls the server.  On SCTP the text
 * lines need the user data of the DATA chunk: a payload that starts with
 * the chunk headers (type 0 first) matches nothing and says nothing.
 *
 * Every payload segment is peeked, not only the first of a conversation, so
 * a signature must be unlikely in the middle of a stream: each one checks
 * every field it can see (lengths, reserved bits, version numbers) and
 * gives NONE on the first mismatch.  A segment whose signature is cut by
 * the snap length says what its captured bytes prove and nothing more: each
 * signature documents the least it needs.
 *
 * Cost: one switch on the protocol, then for TCP one on the first byte, so
 * most payloads are rejected after one or two compares; the text lines scan
 * at most their first line (bounded by len).  The DNS, NTP and BOOTP
 * signatures are too short to stand alone and are gated by their ports (two
 * compares per port, done before the first-byte dispatch).
 *
 * Invariants: a function of its arguments only (no state, no allocation);
 * nothing is read before the length check that covers it, so p may be NULL
 * when len is 0; multi-byte fields are read with util/bytes.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode/decode.h"
#include "decode/peek.h"
#include "util/bytes.h"

_Static_assert(RK_PEEK_CLIENT == RK_REC_SAYS_CLIENT, "peek hint is the record's client bit");
_Static_assert(RK_PEEK_SERVER == RK_REC_SAYS_SERVER, "peek hint is the record's server bit");

/* Well-known ports of the signatures too short to stand alone. */
#define PORT_BOOTPS 67 /* RFC 2131 4.1 */
#define PORT_BOOTPC 68
#define PORT_DNS 53     /* RFC 1035 4.2 */
#define PORT_NTP 123    /* RFC 5905 */
#define PORT_MDNS 5353  /* RFC 6762 */
#define PORT_LLMNR 5355 /* RFC 4795 */

/* Text lines. */
#define METHOD_MIN 3     /* shortest request method (GET, PUT, ACK) */
#define METHOD_MAX 16    /* longest accepted (BASELINE-CONTROL) */
#define PROTO_NAME_MIN 2 /* "HTTP", "RTSP", "SIP", "ICAP", ... */
#define PROTO_NAME_MAX 8
#define REPLY_LINE_MAX 1024 /* a numbered reply line is short (RFC 5321 4.5.3.1.5: 512) */
#define REPLY_CUT_MIN 4     /* printable bytes after "ddd " when no CRLF was captured */

/* TLS (RFC 8446 5.1, B.3): record and handshake types. */
#define TLS_HANDSHAKE 22
#define TLS_CLIENT_HELLO 1
#define TLS_SERVER_HELLO 2
#define DTLS_HELLO_VERIFY 3  /* RFC 6347 4.2.1, server only */
#define TLS_RECORD_MAX 18432 /* 2^14 + 2048 (TLSCiphertext limit) */
#define TLS_HELLO_MIN 38     /* version, random, empty session id, suite, method */
#define DTLS_RECORD_HLEN 13  /* type, version, epoch, sequence, length */
#define DTLS_HS_HLEN 12      /* type, length, message_seq, fragment off/len */

/* PostgreSQL (protocol 3, "Message Formats"). */
#define PG_PROTO_3_0 196608u   /* 3 << 16 */
#define PG_PROTO_3_MAX 196610u /* 3.2 (PostgreSQL 18) */
#define PG_CANCEL 80877102u    /* 1234 << 16 | 5678 */
#define PG_SSL 80877103u       /* 1234 << 16 | 5679 */
#define PG_GSSENC 80877104u    /* 1234 << 16 | 5680 */
#define PG_STARTUP_MIN 8
#define PG_STARTUP_MAX 10000
#define PG_CANCEL_MIN 16  /* 4-byte key (protocol 3.0) */
#define PG_CANCEL_MAX 268 /* 256-byte key (protocol 3.2) */
#define PG_SASL_MAX 128   /* an AuthenticationSASL mechanism list is short */

/* MongoDB wire protocol: opcodes and limits. */
#define MONGO_OP_REPLY 1
#define MONGO_OP_QUERY 2004
#define MONGO_OP_COMPRESSED 2012
#define MONGO_OP_MSG 2013
#define MONGO_HLEN 16
#define MONGO_MAX 48000000u         /* maxMessageSizeBytes */
#define MONGO_MSG_FLAGS 0x00010003u /* checksumPresent, moreToCome, exhaustAllowed */

/* RESP: digits of the array count and the bulk length, longest command name. */
#define RESP_COUNT_DIGITS 6
#define RESP_LEN_DIGITS 9
#define RESP_NAME_MAX 32

/* SMB over TCP (MS-SMB2 2.1, 2.2.1; MS-CIFS 2.2.3.1). */
#define NBSS_HLEN 4
#define SMB2_HLEN 64
#define SMB2_FLAGS_SERVER_TO_REDIR 0x1u
#define SMB1_HLEN 32
#define SMB1_FLAGS_REPLY 0x80

/* DCE/RPC connection-oriented PDUs (C706 12.6). */
#define DCERPC_HLEN 16

/* DNS (RFC 1035 4.1.1). */
#define DNS_HLEN 12
#define DNS_QDCOUNT_MAX 16

/* NTP (RFC 5905 7.3) and BOOTP (RFC 951, RFC 2131 2). */
#define NTP_LEN 48
#define BOOTP_COOKIE_OFF 236
#define BOOTP_COOKIE 0x63825363u

static int
is_upper(uint8_t c)
{
	return c >= 'A' && c <= 'Z';
}

static int
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Printable ASCII, space included. */
static int
is_print(uint8_t c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* ---- text lines -------------------------------------------------------- */

/*
 * The protocol token "PROTO/" at p[0..len): 2..8 uppercase letters and a
 * slash.  Returns the offset just past the slash, 0 if absent or cut.
 */
static size_t
proto_slash(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len && i <= PROTO_NAME_MAX && is_upper(p[i]); i++)
		;
	if (i < PROTO_NAME_MIN || i > PROTO_NAME_MAX || i >= len || p[i] != '/')
		return 0;
	return i + 1;
}

/*
 * A status line (RFC 9112 4, RFC 2326 7.1, RFC 3261 7.2): PROTO/d.d SP
 * ddd, then SP or CR when captured.  All of "PROTO/d.d ddd" must be.
 */
static enum rk_peek_hint
status_line(const uint8_t *p, size_t len)
{
	size_t i = proto_slash(p, len);

	if (i == 0 || len < i + 7)
		return RK_PEEK_NONE;
	if (!is_digit(p[i]) || p[i + 1] != '.' || !is_digit(p[i + 2]) || p[i + 3] != ' ')
		return RK_PEEK_NONE;
	i += 4;
	if (p[i] < '1' || p[i] > '6' || !is_digit(p[i + 1]) || !is_digit(p[i + 2]))
		return RK_PEEK_NONE;
	i += 3;
	if (i < len && p[i] != ' ' && p[i] != '\r')
		return RK_PEEK_NONE;
	return RK_PEEK_SERVER;
}

/*
 * The part of a request line after the target's space: PROTO/d.d CRLF
 * (a bare LF tolerated, RFC 9112 2.2).  "PROTO/" must be captured; each
 * byte after it must match when captured.
 */
static int
request_version(const uint8_t *p, size_t len)
{
	static const char tail[] = "0.0\r\n"; /* digit, dot, digit, CR, LF */
	size_t i = proto_slash(p, len), k;

	if (i == 0)
		return 0;
	for (k = 0; k < sizeof(tail) - 1 && i < len; k++, i++) {
		if (k == 3 && p[i] == '\n')
			return 1;
		if (tail[k] == '0' ? !is_digit(p[i]) : p[i] != (uint8_t)tail[k])
			return 0;
	}
	return 1;
}

/*
 * A request line (RFC 9112 3, RFC 2326 6.1, RFC 3261 7.1): METHOD SP
 * target SP PROTO/d.d CRLF, the method 3..16 of [A-Z_-], the target one or
 * more bytes that are neither space nor control.  The method, both spaces
 * and "PROTO/" must be captured.  A NOTIFY says nothing (see the top of
 * the file).
 */
static enum rk_peek_hint
request_line(const uint8_t *p, size_t len)
{
	size_t m, i;

	for (m = 0; m < len && m <= METHOD_MAX; m++) {
		if (!is_upper(p[m]) && p[m] != '-' && p[m] != '_')
			break;
	}
	if (m < METHOD_MIN || m > METHOD_MAX || m >= len || p[m] != ' ')
		return RK_PEEK_NONE;
	for (i = m + 1; i < len && p[i] > ' ' && p[i] != 0x7f; i++)
		;
	if (i == m + 1 || i >= len || p[i] != ' ')
		return RK_PEEK_NONE;
	if (!request_version(p + i + 1, len - i - 1))
		return RK_PEEK_NONE;
	if (m == 6 && memcmp(p, "NOTIFY", 6) == 0)
		return RK_PEEK_NONE;
	return RK_PEEK_CLIENT;
}

/* A status line or a request line. */
static enum rk_peek_hint
text_line(const uint8_t *p, size_t len)
{
	enum rk_peek_hint h = status_line(p, len);

	return h != RK_PEEK_NONE ? h : request_line(p, len);
}

/*
 * A numbered reply line (RFC 959 4.2, RFC 5321 4.2, RFC 3977 3.2): three
 * digits, the first 1..5, a space or a hyphen, printable text, CRLF.
 * Without a captured CRLF, REPLY_CUT_MIN printable bytes after the code
 * must be; a line longer than REPLY_LINE_MAX is not a reply.
 */
static enum rk_peek_hint
reply_line(const uint8_t *p, size_t len)
{
	size_t i;

	if (len < 4 || p[0] < '1' || p[0] > '5' || !is_digit(p[1]) || !is_digit(p[2]) ||
	    (p[3] != ' ' && p[3] != '-'))
		return RK_PEEK_NONE;
	for (i = 4; i < len && i < REPLY_LINE_MAX; i++) {
		if (p[i] == '\r' && i + 1 < len)
			return p[i + 1] == '\n' ? RK_PEEK_SERVER : RK_PEEK_NONE;
		if (!is_print(p[i]))
			break;
	}
	if (i < len && !(p[i] == '\r' && i + 1 == len))
		return RK_PEEK_NONE; /* a control byte, or too long */
	return i - 4 >= REPLY_CUT_MIN ? RK_PEEK_SERVER : RK_PEEK_NONE;
}

/* ---- TLS, DTLS --------------------------------------------------------- */

/* The hint of a (D)TLS handshake type, hvr: HelloVerifyRequest is one. */
static enum rk_peek_hint
hello_hint(uint8_t type, int hvr)
{
	if (type == TLS_CLIENT_HELLO)
		return RK_PEEK_CLIENT;
	if (type == TLS_SERVER_HELLO || (hvr && type == DTLS_HELLO_VERIFY))
		return RK_PEEK_SERVER;
	return RK_PEEK_NONE;
}

/*
 * A TLS record (RFC 8446 5.1) holding the start of a ClientHello or
 * ServerHello (4.1.2, 4.1.3): type 22, version 3.0..3.4, a length that fits
 * a record, handshake type 1 or 2.  When captured: a handshake length of at
 * least TLS_HELLO_MIN and under 64 KiB, a legacy_version of major 3.  The
 * first six bytes must be captured.
 */
static enum rk_peek_hint
tls(const uint8_t *p, size_t len)
{
	uint16_t rlen;

	if (len < 6 || p[0] != TLS_HANDSHAKE || p[1] != 3 || p[2] > 4)
		return RK_PEEK_NONE;
	rlen = rk_be16(p + 3);
	if (rlen < 4 || rlen > TLS_RECORD_MAX)
		return RK_PEEK_NONE;
	if (len >= 9 && (p[6] != 0 || rk_be16(p + 7) < TLS_HELLO_MIN))
		return RK_PEEK_NONE;
	if (len >= 10 && p[9] != 3)
		return RK_PEEK_NONE;
	return hello_hint(p[5], 0);
}

/*
 * An SSLv2-compatible ClientHello (RFC 6101 E.1, RFC 5246 E.2): a 2-byte
 * header with the top bit set, msg_type 1, version 0.2 or 3.x, cipher specs
 * in threes, a session id of 0 or 16 bytes and a challenge of 16..32, whose
 * lengths add up to the record's.  The first 11 bytes must be captured.
 */
static enum rk_peek_hint
sslv2_hello(const uint8_t *p, size_t len)
{
	uint16_t rlen, cs, sid, ch;

	if (len < 11 || !(p[0] & 0x80) || p[2] != 1)
		return RK_PEEK_NONE;
	if (!(p[3] == 0 && p[4] == 2) && !(p[3] == 3 && p[4] <= 4))
		return RK_PEEK_NONE;
	rlen = (uint16_t)(rk_be16(p) & 0x7fff);
	cs = rk_be16(p + 5);
	sid = rk_be16(p + 7);
	ch = rk_be16(p + 9);
	if (cs == 0 || cs % 3 != 0 || (sid != 0 && sid != 16) || ch < 16 || ch > 32)
		return RK_PEEK_NONE;
	if ((uint32_t)rlen != 9u + cs + sid + ch)
		return RK_PEEK_NONE;
	return RK_PEEK_CLIENT;
}

/*
 * A DTLS record (RFC 6347 4.1, RFC 9147 4) of epoch 0 holding the start of
 * a handshake message: type 22, version 1.0 (0xfeff) or 1.2 (0xfefd), a
 * length that holds a handshake header; the handshake type (4.2.2):
 * ClientHello, ServerHello or HelloVerifyRequest.  The record header and the
 * handshake type (14 bytes) must be captured.
 */
static enum rk_peek_hint
dtls(const uint8_t *p, size_t len)
{
	uint16_t rlen;

	if (len < DTLS_RECORD_HLEN + 1 || p[0] != TLS_HANDSHAKE || p[1] != 0xfe ||
	    (p[2] != 0xff && p[2] != 0xfd))
		return RK_PEEK_NONE;
	if (p[3] != 0 || p[4] != 0)
		return RK_PEEK_NONE;
	rlen = rk_be16(p + 11);
	if (rlen < DTLS_HS_HLEN || rlen > TLS_RECORD_MAX)
		return RK_PEEK_NONE;
	return hello_hint(p[DTLS_RECORD_HLEN], 1);
}

/* ---- PostgreSQL -------------------------------------------------------- */

/*
 * A frontend's first message (PostgreSQL protocol, "Message Formats"):
 * Int32 length, Int32 code: StartupMessage (3.0..3.2, then NUL-terminated
 * parameters), SSLRequest, GSSENCRequest (length 8) or CancelRequest
 * (length 16, up to 268 with the longer keys of protocol 3.2).  It is sent
 * alone, so a message captured whole fills the
 * capture.  The first 8 bytes must be captured.
 */
static enum rk_peek_hint
pg_startup(const uint8_t *p, size_t len)
{
	uint32_t mlen, code;

	if (len < 8 || p[0] != 0)
		return RK_PEEK_NONE;
	mlen = rk_be32(p);
	code = rk_be32(p + 4);
	if (mlen < PG_STARTUP_MIN || mlen > PG_STARTUP_MAX)
		return RK_PEEK_NONE;
	if (code >= PG_PROTO_3_0 && code <= PG_PROTO_3_MAX) {
		if (mlen < 9 || (len >= mlen && p[mlen - 1] != 0))
			return RK_PEEK_NONE;
	} else if (code == PG_SSL || code == PG_GSSENC) {
		if (mlen != 8)
			return RK_PEEK_NONE;
	} else if (code == PG_CANCEL) {
		if (mlen < PG_CANCEL_MIN || mlen > PG_CANCEL_MAX)
			return RK_PEEK_NONE;
	} else {
		return RK_PEEK_NONE;
	}
	return len > mlen ? RK_PEEK_NONE : RK_PEEK_CLIENT;
}

/* A backend message type that may follow an authentication request. */
static int
is_pg_after_auth(uint8_t c)
{
	return c == 'S' || c == 'K' || c == 'Z' || c == 'N' || c == 'E';
}

/* The body of AuthenticationSASL: names of [A-Z0-9_-] each ended by NUL, then NUL. */
static int
is_sasl_list(const uint8_t *b, size_t n)
{
	size_t i;

	if (n < 3 || b[0] == 0 || b[n - 1] != 0 || b[n - 2] != 0)
		return 0;
	for (i = 0; i < n - 2; i++) {
		if (b[i] == 0 && b[i + 1] == 0)
			return 0; /* an empty name before the end */
		if (b[i] != 0 && !is_upper(b[i]) && !is_digit(b[i]) && b[i] != '-' && b[i] != '_')
			return 0;
	}
	return 1;
}

/*
 * A backend authentication request ('R', PostgreSQL "Message Formats"),
 * strictly: only the codes of fixed length (Ok, KerberosV5, Cleartext, MD5,
 * GSS, SSPI) with exactly that length, or a short SASL mechanism list.  The
 * whole message must be captured, followed by nothing or by the type byte
 * of a message that may follow it.
 */
static enum rk_peek_hint
pg_auth(const uint8_t *p, size_t len)
{
	uint32_t mlen, code, want;

	if (len < 9 || p[0] != 'R')
		return RK_PEEK_NONE;
	mlen = rk_be32(p + 1);
	code = rk_be32(p + 5);
	switch (code) {
	case 0: /* AuthenticationOk */
	case 2: /* KerberosV5 */
	case 3: /* CleartextPassword */
	case 7: /* GSS */
	case 9: /* SSPI */
		want = 8;
		break;
	case 5: /* MD5Password: 4 bytes of salt */
		want = 12;
		break;
	case 10: /* SASL: the server then waits for the client */
		if (mlen < 11 || mlen > PG_SASL_MAX || len != (size_t)mlen + 1)
			return RK_PEEK_NONE;
		return is_sasl_list(p + 9, mlen - 8) ? RK_PEEK_SERVER : RK_PEEK_NONE;
	default:
		return RK_PEEK_NONE;
	}
	if (mlen != want || len < (size_t)want + 1)
		return RK_PEEK_NONE;
	if (len > (size_t)want + 1 && !is_pg_after_auth(p[want + 1]))
		return RK_PEEK_NONE;
	return RK_PEEK_SERVER;
}

/* ---- MongoDB ----------------------------------------------------------- */

/* An opcode OP_COMPRESSED may wrap (originalOpcode). */
static int
is_mongo_inner(uint32_t op)
{
	return op == MONGO_OP_MSG || op == MONGO_OP_QUERY || op == MONGO_OP_REPLY;
}

/*
 * A MongoDB message (wire protocol: standard message header): Int32 LE
 * messageLength (16..48 MB, covering at least the captured bytes), requestID,
 * responseTo, opCode.  OP_MSG and OP_COMPRESSED: responseTo zero is a
 * request, else a reply; OP_QUERY is a request, OP_REPLY a reply (and says
 * so in responseTo).  Flags, the first section kind, the original opcode
 * and the compressor are checked when captured.  The header must be.
 */
static enum rk_peek_hint
mongo(const uint8_t *p, size_t len)
{
	uint32_t mlen, to, op;

	if (len < MONGO_HLEN || p[14] != 0 || p[15] != 0)
		return RK_PEEK_NONE;
	op = rk_le32(p + 12);
	if (op != MONGO_OP_MSG && op != MONGO_OP_COMPRESSED && op != MONGO_OP_QUERY &&
	    op != MONGO_OP_REPLY)
		return RK_PEEK_NONE;
	mlen = rk_le32(p);
	if (mlen < MONGO_HLEN || mlen > MONGO_MAX || mlen < len)
		return RK_PEEK_NONE;
	to = rk_le32(p + 8);
	switch (op) {
	case MONGO_OP_MSG:
		if (mlen < 21 || (len >= 20 && (rk_le32(p + 16) & ~MONGO_MSG_FLAGS) != 0) ||
		    (len >= 21 && p[20] > 1))
			return RK_PEEK_NONE;
		return to == 0 ? RK_PEEK_CLIENT : RK_PEEK_SERVER;
	case MONGO_OP_COMPRESSED:
		if (mlen < 25 || (len >= 20 && !is_mongo_inner(rk_le32(p + 16))) ||
		    (len >= 25 && p[24] > 3))
			return RK_PEEK_NONE;
		return to == 0 ? RK_PEEK_CLIENT : RK_PEEK_SERVER;
	case MONGO_OP_QUERY:
		if (to != 0 || mlen < 29 || (len >= 20 && (rk_le32(p + 16) & ~0xfeu) != 0))
			return RK_PEEK_NONE;
		return RK_PEEK_CLIENT;
	default: /* OP_REPLY */
		if (to == 0 || mlen < 36 || (len >= 20 && (rk_le32(p + 16) & ~0xfu) != 0))
			return RK_PEEK_NONE;
		return RK_PEEK_SERVER;
	}
}

/* ---- RESP -------------------------------------------------------------- */

/*
 * Digits at p[*i..len) (1..max of them, value >= 1) then CRLF; advances *i
 * past the CRLF.  Returns the value, 0 if absent, cut or zero.
 */
static uint32_t
resp_number(const uint8_t *p, size_t len, size_t *i, size_t max)
{
	size_t k = *i, n = 0;
	uint32_t v = 0;

	for (; k < len && is_digit(p[k]) && n < max; k++, n++)
		v = v * 10 + (uint32_t)(p[k] - '0');
	if (n == 0 || k + 1 >= len || p[k] != '\r' || p[k + 1] != '\n')
		return 0;
	*i = k + 2;
	return v;
}

/* The RESP2 push messages a subscribed client receives (arrays whose first item is their kind). */
static int
is_resp_push(const uint8_t *s, size_t n)
{
	static const char *const kinds[] = {"message", "pmessage", "smessage", "subscribe",
	    "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe", "pong",
	    "invalidate"};
	size_t k;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		if (strlen(kinds[k]) == n && memcmp(kinds[k], s, n) == 0)
			return 1;
	}
	return 0;
}

/*
 * A command (RESP, "Sending commands"): an array of bulk strings, the first
 * the command name.  "*N\r\n$M\r\n" must be captured (N of 1..6 digits, M of
 * 1..9); the name's captured bytes must be a word ([A-Za-z][A-Za-z0-9._-]*,
 * at most RESP_NAME_MAX) and, when it is captured whole with its CRLF, not
 * the kind of a push message (which a server sends as such an array).
 */
static enum rk_peek_hint
resp_command(const uint8_t *p, size_t len)
{
	size_t i = 1, k, end;
	uint32_t m;

	if (p[0] != '*' || resp_number(p, len, &i, RESP_COUNT_DIGITS) == 0 || i >= len ||
	    p[i++] != '$')
		return RK_PEEK_NONE;
	m = resp_number(p, len, &i, RESP_LEN_DIGITS);
	if (m == 0 || m > RESP_NAME_MAX)
		return RK_PEEK_NONE;
	end = i + m;
	for (k = i; k < len && k < end; k++) {
		uint8_t c = p[k] | 0x20; /* lowercase letters; digits and ._- keep their value */
		int ok = (c >= 'a' && c <= 'z') ||
		    (k > i && (is_digit(p[k]) || p[k] == '.' || p[k] == '_' || p[k] == '-'));

		if (!ok)
			return RK_PEEK_NONE;
	}
	if (len > end && p[end] != '\r')
		return RK_PEEK_NONE;
	if (len > end + 1 && p[end + 1] != '\n')
		return RK_PEEK_NONE;
	if (len > end + 1 && is_resp_push(p + i, m))
		return RK_PEEK_NONE;
	return RK_PEEK_CLIENT;
}

/* ---- SMB, DCE/RPC ------------------------------------------------------ */

/*
 * SMB behind a NetBIOS session message header (RFC 1002 4.3.6; MS-SMB2
 * 2.1: type 0, 24-bit length).  SMB2/3 (MS-SMB2 2.2.1): StructureSize 64,
 * Flags bit SERVER_TO_REDIR; SMB1 (MS-CIFS 2.2.3.1): Flags bit REPLY.  The
 * flags must be captured.  The SMB3 transform and compression headers
 * (0xfd, 0xfc) hide the flags: nothing.
 */
static enum rk_peek_hint
smb(const uint8_t *p, size_t len)
{
	uint32_t nlen;

	if (len < NBSS_HLEN + 4 || p[0] != 0 || p[5] != 'S' || p[6] != 'M' || p[7] != 'B')
		return RK_PEEK_NONE;
	nlen = (uint32_t)p[1] << 16 | (uint32_t)rk_be16(p + 2);
	if (p[4] == 0xfe) {
		if (len < NBSS_HLEN + 20 || nlen < SMB2_HLEN || rk_le16(p + 8) != SMB2_HLEN)
			return RK_PEEK_NONE;
		if (rk_le32(p + NBSS_HLEN + 16) & SMB2_FLAGS_SERVER_TO_REDIR)
			return RK_PEEK_SERVER;
		return RK_PEEK_CLIENT;
	}
	if (p[4] == 0xff) {
		if (len < NBSS_HLEN + 10 || nlen < SMB1_HLEN)
			return RK_PEEK_NONE;
		return p[NBSS_HLEN + 9] & SMB1_FLAGS_REPLY ? RK_PEEK_SERVER : RK_PEEK_CLIENT;
	}
	return RK_PEEK_NONE;
}

/*
 * A connection-oriented DCE/RPC PDU (C706 12.6.1, 12.6.3; MS-RPCE 2.2.2):
 * version 5.0 or 5.1, data representation ASCII + big or little endian +
 * IEEE float, frag_length >= 16 in that byte order, auth_length within it
 * when captured.  Request, bind, alter_context, auth3 are sent by a client;
 * response, fault, bind_ack, bind_nak, alter_context_resp by a server.  The
 * first 10 bytes must be captured.
 */
static enum rk_peek_hint
dcerpc(const uint8_t *p, size_t len)
{
	int is_le;
	uint16_t flen;

	if (len < 10 || p[0] != 5 || p[1] > 1 || (p[4] != 0x10 && p[4] != 0x00) || p[5] != 0 ||
	    p[6] != 0 || p[7] != 0)
		return RK_PEEK_NONE;
	is_le = p[4] == 0x10;
	flen = is_le ? rk_le16(p + 8) : rk_be16(p + 8);
	if (flen < DCERPC_HLEN)
		return RK_PEEK_NONE;
	if (len >= 12 && (uint32_t)(is_le ? rk_le16(p + 10) : rk_be16(p + 10)) + DCERPC_HLEN > flen)
		return RK_PEEK_NONE;
	switch (p[2]) {
	case 0:  /* request */
	case 11: /* bind */
	case 14: /* alter_context */
	case 16: /* auth3 */
		return RK_PEEK_CLIENT;
	case 2:  /* response */
	case 3:  /* fault */
	case 12: /* bind_ack */
	case 13: /* bind_nak */
	case 15: /* alter_context_resp */
		return RK_PEEK_SERVER;
	default:
		return RK_PEEK_NONE;
	}
}

/* ---- LDAP --------------------------------------------------------------- */

/*
 * A BER definite length at p[*i] (X.690 8.1.3): short form, or long form
 * of 1..4 bytes.  Advances *i; returns 0 and leaves *v unset when it is
 * not captured or not definite.
 */
static int
ber_length(const uint8_t *p, size_t len, size_t *i, uint32_t *v)
{
	unsigned n;

	if (*i >= len)
		return 0;
	if (p[*i] < 0x80) {
		*v = p[(*i)++];
		return 1;
	}
	n = p[(*i)++] & 0x7f;
	if (n == 0 || n > 4 || *i + n > len)
		return 0;
	for (*v = 0; n > 0; n--)
		*v = *v << 8 | p[(*i)++];
	return 1;
}

/*
 * An LDAPMessage (RFC 4511 4.1.1, BER): SEQUENCE { messageID INTEGER
 * (1..4 bytes, >= 0), protocolOp [APPLICATION n] ... }.  Requests (bind 0,
 * unbind 2, search 3, modify 6, add 8, del 10, modDN 12, compare 14,
 * abandon 16, extended 23) come from a client; results and entries (1, 4,
 * 5, 7, 9, 11, 13, 15, 19, 24, 25) from a server.  The op's tag must be
 * captured and its length fit in the message's.  Also CLDAP over UDP.
 */
static enum rk_peek_hint
ldap(const uint8_t *p, size_t len)
{
	static const int8_t op[26] = {
		[0] = 1, [2] = 1, [3] = 1, [6] = 1, [8] = 1, [10] = 1, [12] = 1, [14] = 1,
		[16] = 1, [23] = 1, [1] = -1, [4] = -1, [5] = -1, [7] = -1, [9] = -1,
		[11] = -1, [13] = -1, [15] = -1, [19] = -1, [24] = -1, [25] = -1,
	};
	size_t i = 1, body;
	uint32_t mlen, ilen, olen;
	unsigned tag;

	if (len < 7 || p[0] != 0x30 || !ber_length(p, len, &i, &mlen))
		return RK_PEEK_NONE;
	body = i;
	if (i + 2 > len || p[i] != 0x02 || (ilen = p[i + 1]) < 1 || ilen > 4 ||
	    i + 2 + ilen >= len || (p[i + 2] & 0x80))
		return RK_PEEK_NONE;
	i += 2 + ilen;
	tag = p[i++];
	if ((tag & 0xc0) != 0x40 || (tag & 0x1f) >= 26 || op[tag & 0x1f] == 0 ||
	    !ber_length(p, len, &i, &olen) || (uint64_t)(i - body) + olen > mlen)
		return RK_PEEK_NONE;
	/* unbind and abandon are primitive, every other op constructed */
	if (((tag & 0x20) != 0) != ((tag & 0x1f) != 2 && (tag & 0x1f) != 16))
		return RK_PEEK_NONE;
	return op[tag & 0x1f] > 0 ? RK_PEEK_CLIENT : RK_PEEK_SERVER;
}

/* ---- port-gated: DNS, NTP, BOOTP --------------------------------------- */

static int
is_dns_port(uint16_t port)
{
	return port == PORT_DNS || port == PORT_MDNS || port == PORT_LLMNR;
}

/*
 * A DNS header (RFC 1035 4.1.1; RFC 6895 2): QR 0 is a query, 1 a
 * response.  Opcode 0..6 but 3 (unassigned), QDCOUNT <= 16; a standard or
 * status query has RCODE 0 and no answers, except in mDNS, whose queries
 * carry known answers (RFC 6762 7.1).  The header must be captured.
 */
static enum rk_peek_hint
dns(const uint8_t *p, size_t len, int is_mdns)
{
	unsigned opcode;

	if (len < DNS_HLEN)
		return RK_PEEK_NONE;
	opcode = (p[2] >> 3) & 0xf;
	if (opcode > 6 || opcode == 3 || rk_be16(p + 4) > DNS_QDCOUNT_MAX)
		return RK_PEEK_NONE;
	if (p[2] & 0x80)
		return RK_PEEK_SERVER;
	if ((opcode == 0 || opcode == 2) &&
	    ((p[3] & 0xf) != 0 || (!is_mdns && rk_be16(p + 6) != 0)))
		return RK_PEEK_NONE;
	return RK_PEEK_CLIENT;
}

/* DNS over TCP (RFC 1035 4.2.2): a 2-byte length that holds a header, then the message. */
static enum rk_peek_hint
dns_tcp(const uint8_t *p, size_t len, int is_mdns)
{
	if (len < 2 || rk_be16(p) < DNS_HLEN)
		return RK_PEEK_NONE;
	return dns(p + 2, len - 2, is_mdns);
}

/*
 * An NTP packet (RFC 5905 7.3): at least the 48-byte header, version 1..4;
 * mode 3 is a client, 4 a server.  Symmetric (1, 2), broadcast (5),
 * control (6) and private (7) modes say nothing.
 */
static enum rk_peek_hint
ntp(const uint8_t *p, size_t len)
{
	unsigned vn, mode;

	if (len < NTP_LEN)
		return RK_PEEK_NONE;
	vn = (p[0] >> 3) & 7;
	mode = p[0] & 7;
	if (vn < 1 || vn > 4)
		return RK_PEEK_NONE;
	if (mode == 3)
		return RK_PEEK_CLIENT;
	return mode == 4 ? RK_PEEK_SERVER : RK_PEEK_NONE;
}

/*
 * A BOOTP/DHCP message (RFC 951 3, RFC 2131 2): op 1 BOOTREQUEST (client
 * or relay toward the server), 2 BOOTREPLY; htype Ethernet (1) or IEEE 802
 * (6), hlen <= 16, hops <= 16; the DHCP magic cookie when captured.  The
 * first four bytes must be captured.
 */
static enum rk_peek_hint
bootp(const uint8_t *p, size_t len)
{
	if (len < 4 || (p[1] != 1 && p[1] != 6) || p[2] > 16 || p[3] > 16)
		return RK_PEEK_NONE;
	if (len >= BOOTP_COOKIE_OFF + 4 && rk_be32(p + BOOTP_COOKIE_OFF) != BOOTP_COOKIE)
		return RK_PEEK_NONE;
	if (p[0] == 1)
		return RK_PEEK_CLIENT;
	return p[0] == 2 ? RK_PEEK_SERVER : RK_PEEK_NONE;
}

/* ---- per transport ----------------------------------------------------- */

/* TCP: DNS by port, then a dispatch on the first byte, then MongoDB (any first byte). */
static enum rk_peek_hint
peek_tcp(uint16_t sport, uint16_t dport, const uint8_t *p, size_t len)
{
	enum rk_peek_hint h = RK_PEEK_NONE;

	if (is_dns_port(sport) || is_dns_port(dport)) {
		h = dns_tcp(p, len, sport == PORT_MDNS || dport == PORT_MDNS);
		if (h != RK_PEEK_NONE)
			return h;
	}
	switch (p[0]) {
	case 0x00:
		h = smb(p, len);
		if (h == RK_PEEK_NONE)
			h = pg_startup(p, len);
		break;
	case 0x05:
		h = dcerpc(p, len);
		break;
	case 0x30:
		h = ldap(p, len);
		break;
	case TLS_HANDSHAKE:
		h = tls(p, len);
		break;
	case '*':
		h = resp_command(p, len);
		break;
	case 'R':
		h = pg_auth(p, len);
		if (h == RK_PEEK_NONE)
			h = text_line(p, len);
		break;
	default:
		if (is_digit(p[0]))
			h = reply_line(p, len);
		else if (is_upper(p[0]))
			h = text_line(p, len);
		else if (p[0] & 0x80)
			h = sslv2_hello(p, len);
		break;
	}
	return h != RK_PEEK_NONE ? h : mongo(p, len);
}

/* UDP: DNS, NTP, BOOTP by port, then DTLS and text lines (SIP, SSDP). */
static enum rk_peek_hint
peek_udp(uint16_t sport, uint16_t dport, const uint8_t *p, size_t len)
{
	enum rk_peek_hint h = RK_PEEK_NONE;

	if (is_dns_port(sport) || is_dns_port(dport))
		h = dns(p, len, sport == PORT_MDNS || dport == PORT_MDNS);
	else if (sport == PORT_NTP || dport == PORT_NTP)
		h = ntp(p, len);
	else if (sport == PORT_BOOTPS || dport == PORT_BOOTPS || sport == PORT_BOOTPC ||
	    dport == PORT_BOOTPC)
		h = bootp(p, len);
	if (h != RK_PEEK_NONE)
		return h;
	if (p[0] == TLS_HANDSHAKE)
		return dtls(p, len);
	if (p[0] == 0x30)
		return ldap(p, len);
	if (is_upper(p[0]))
		return text_line(p, len);
	return RK_PEEK_NONE;
}

/*
 * The hint of one transport payload (see peek.h and the top of this file).
 * proto: IP protocol (6, 17, 132; others give NONE); sport, dport: ports in
 * host order; p, len: the captured bytes of the payload (p may be NULL when
 * len is 0).  Returns RK_PEEK_CLIENT, RK_PEEK_SERVER or RK_PEEK_NONE.
 * O(len) at worst (a text line is scanned to its end), usually a few
 * compares; no allocation, reads only p[0..len).
 */
enum rk_peek_hint
rk_peek(uint8_t proto, uint16_t sport, uint16_t dport, const uint8_t *p, size_t len)
{
	if (len == 0 || p == NULL)
		return RK_PEEK_NONE;
	switch (proto) {
	case RK_PROTO_TCP:
		return peek_tcp(sport, dport, p, len);
	case RK_PROTO_UDP:
		return peek_udp(sport, dport, p, len);
	case RK_PROTO_SCTP:
		return is_upper(p[0]) ? text_line(p, len) : RK_PEEK_NONE;
	default:
		return RK_PEEK_NONE;
	}
}

/*
 * The name of a hint: "client", "server", or "-" for NONE and any other
 * value.  Returns a static string; O(1).
 */
const char *
rk_peek_hint_name(enum rk_peek_hint h)
{
	switch (h) {
	case RK_PEEK_CLIENT:
		return "client";
	case RK_PEEK_SERVER:
		return "server";
	default:
		return "-";
	}
}
