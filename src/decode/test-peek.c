/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * decode/test-peek.c - unit tests of the payload hints (cmocka).
 *
 * One table of payloads, each with its transport, ports and the hint it
 * must give: for every signature a client's and a server's message, cut
 * ones (a prefix that still proves something, one that no longer does) and
 * look-alikes that must say nothing (a text line without its protocol,
 * DNS bytes off the DNS ports, NTP symmetric modes, SSH banners, ...).
 * Text protocols are written as text, binary ones as hex with a comment per
 * field so a reader can check them against the spec.  Every payload is
 * given to rk_peek() from a heap copy of exactly its length, so
 * AddressSanitizer sees an over-read; every prefix of every payload too,
 * and a prefix of a payload that says something must say the same or
 * nothing.  Then random bytes, empty payloads and the names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/test-hex.h"
#include "decode/peek.h"

#define TCP 6
#define UDP 17
#define SCTP 132
#define EPH 49152 /* a client's ephemeral port */

#define C RK_PEEK_CLIENT
#define S RK_PEEK_SERVER
#define N RK_PEEK_NONE

struct peek_case {
	const char *name;       /* what the payload is */
	uint8_t proto;          /* IP protocol */
	uint16_t sport;         /* ports, host order */
	uint16_t dport;
	const char *text;       /* the payload as text, or NULL: */
	const char *hex;        /* the payload as hex pairs (whitespace ignored) */
	enum rk_peek_hint want; /* the hint it must give */
};

/* ---- payload fragments ------------------------------------------------- */

#define Z4 "00 00 00 00 "
#define Z16 Z4 Z4 Z4 Z4
#define Z64 Z16 Z16 Z16 Z16
#define RAND32 "5f 1a 3c 9e 02 b7 44 d1 88 6a 0f e3 71 2c 95 4b " \
	       "c6 13 7d a8 e0 59 36 fb 21 8e 47 b2 d9 0c 6f 83 "

/* TLS 1.3 ClientHello in a TLS 1.0 record: 47-byte record, 43-byte hello. */
#define TLS_CH "16 03 01 00 2f " /* handshake, 3.1, length */ \
	"01 00 00 2b 03 03 " RAND32  /* ClientHello, length, legacy_version 3.3 */ \
	"00 00 02 13 01 01 00 00 00 " /* no session id, TLS_AES_128_GCM_SHA256, null, no ext */
/* ServerHello: 44-byte record, 40-byte hello. */
#define TLS_SH "16 03 03 00 2c 02 00 00 28 03 03 " RAND32 "00 13 01 00 00 00 "

/* DNS: www.example.com A IN, id 0xd35c. */
#define QNAME "03 77 77 77 07 65 78 61 6d 70 6c 65 03 63 6f 6d 00 "
#define DNS_Q "d3 5c 01 00 00 01 00 00 00 00 00 00 " QNAME "00 01 00 01 "
#define DNS_R "d3 5c 81 80 00 01 00 01 00 00 00 00 " QNAME "00 01 00 01 " \
	"c0 0c 00 01 00 01 00 00 0e 10 00 04 5d b8 d7 0e "

/* NTP v4: first byte, stratum, poll, precision, then 44 bytes. */
#define NTP_REST Z16 Z16 "00 00 00 00 00 00 00 00 00 00 00 00 "
#define NTP(b0) b0 " 00 06 ec " NTP_REST

/* BOOTP/DHCP: op, then Ethernet, hlen 6, hops 0 ... cookie and options. */
#define BOOTP_BODY(op) op " 01 06 00 39 03 f3 26 00 00 80 00 " Z16 /* xid, secs, flags, addrs */ \
	"02 00 00 00 00 01 00 00 00 00 00 00 00 00 00 00 " /* chaddr */ \
	Z64 Z64 Z64 /* sname 64, file 128 */
#define DHCP(op, type) BOOTP_BODY(op) "63 82 53 63 35 01 " type " ff "

/*
 * SMB2 header (64 bytes) after the NBSS header: protocol id, structure
 * size 64, credit charge, status, command cmd, credits, flags; next
 * command, message id, reserved, tree id, session id, signature.
 */
#define SMB2(flags, cmd) "fe 53 4d 42 40 00 00 00 00 00 00 00 " cmd " 01 00 " flags " " \
	Z4 "00 00 00 00 00 00 00 00 " "ff fe 00 00 " Z4 "00 00 00 00 00 00 00 00 " Z16

/* DCE/RPC header: type, flags first+last, little-endian ASCII IEEE. */
#define RPC_LE(type, flen) "05 00 " type " 03 10 00 00 00 " flen " 00 00 01 00 00 00 "

/* MongoDB BSON bodies. */
#define BSON_PING "1e 00 00 00 10 70 69 6e 67 00 01 00 00 00 02 24 64 62 00 06 00 00 00 " \
	"61 64 6d 69 6e 00 00 " /* {ping: 1, $db: "admin"} */
#define BSON_OK "11 00 00 00 01 6f 6b 00 00 00 00 00 00 00 f0 3f 00 " /* {ok: 1.0} */

/* ---- the table --------------------------------------------------------- */

static const struct peek_case cases[] = {
	/* Text request and status lines (HTTP, RTSP, SIP, ICAP, SSDP). */
	{"http get", TCP, EPH, 80,
	    "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n", NULL, C},
	{"http 200", TCP, 80, EPH, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", NULL, S},
	{"http 200, no reason", TCP, 80, EPH, "HTTP/1.1 200\r\n\r\n", NULL, S},
	{"http 1.0 bare LF", TCP, EPH, 80, "GET / HTTP/1.0\n\n", NULL, C},
	{"http post utf-8 target", TCP, EPH, 8080, "POST /caf\xc3\xa9 HTTP/1.1\r\n", NULL, C},
	{"http/2 preface", TCP, EPH, 443, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", NULL, C},
	{"webdav method", TCP, EPH, 80, "PROPFIND /dav/ HTTP/1.1\r\nDepth: 1\r\n", NULL, C},
	{"rtsp options", TCP, EPH, 554,
	    "OPTIONS rtsp://cam.example/live RTSP/1.0\r\nCSeq: 1\r\n", NULL, C},
	{"rtsp 200 ('R' first)", TCP, 554, EPH, "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n", NULL, S},
	{"icap reqmod", TCP, EPH, 1344, "REQMOD icap://icap.example/req ICAP/1.0\r\n", NULL, C},
	{"icap 204", TCP, 1344, EPH, "ICAP/1.0 204 No Content\r\n", NULL, S},
	{"sip register udp", UDP, 5060, 5060,
	    "REGISTER sip:registrar.example SIP/2.0\r\nVia: x\r\n", NULL, C},
	{"sip 180 udp", UDP, 5060, 5060, "SIP/2.0 180 Ringing\r\nVia: x\r\n", NULL, S},
	{"sip invite sctp", SCTP, 5060, 5060, "INVITE sip:bob@example.com SIP/2.0\r\n", NULL, C},
	{"sip 603 sctp", SCTP, 5060, 5060, "SIP/2.0 603 Decline\r\n", NULL, S},
	{"ssdp m-search", UDP, EPH, 1900,
	    "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n", NULL, C},
	{"ssdp search reply", UDP, 1900, EPH,
	    "HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\n", NULL, S},
	{"ssdp notify (device)", UDP, 1900, 1900,
	    "NOTIFY * HTTP/1.1\r\nNTS: ssdp:alive\r\n", NULL, N},
	{"gena notify tcp", TCP, EPH, 8058, "NOTIFY /evt HTTP/1.1\r\nNT: upnp:event\r\n", NULL, N},
	{"sctp data chunk header", SCTP, 5060, 5060,
	    NULL, "00 03 00 2c 00 00 00 01 00 00 00 00 00 00 00 00", N},
	{"text on icmp", 1, 0, 0, "GET / HTTP/1.1\r\n", NULL, N},
	/* Cut text lines. */
	{"request cut in target", TCP, EPH, 80, "GET /a/very/long/path/that/the/snap", NULL, N},
	{"request cut after space", TCP, EPH, 80, "GET /index.html ", NULL, N},
	{"request cut in proto", TCP, EPH, 80, "GET / HTTP", NULL, N},
	{"request cut after slash", TCP, EPH, 80, "GET / HTTP/", NULL, C},
	{"request cut in version", TCP, EPH, 80, "GET / HTTP/1.", NULL, C},
	{"request cut before LF", TCP, EPH, 80, "GET / HTTP/1.1\r", NULL, C},
	{"status cut in code", TCP, 80, EPH, "HTTP/1.1 20", NULL, N},
	{"status cut after code", TCP, 80, EPH, "HTTP/1.1 404", NULL, S},
	/* Text look-alikes. */
	{"http/0.9 line, no protocol", TCP, EPH, 80, "GET /index.html\r\n", NULL, N},
	{"request, bad protocol token", TCP, EPH, 80, "GET /index.html foo/1.1\r\n", NULL, N},
	{"request, text after version", TCP, EPH, 80, "GET / HTTP/1.1 extra\r\n", NULL, N},
	{"request, version not digits", TCP, EPH, 80, "GET / HTTP/a.b\r\n", NULL, N},
	{"lowercase method", TCP, EPH, 80, "get / HTTP/1.1\r\n", NULL, N},
	{"method too short", TCP, EPH, 80, "GE / HTTP/1.1\r\n", NULL, N},
	{"method too long", TCP, EPH, 80, "ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\n", NULL, N},
	{"protocol name too long", TCP, EPH, 80, "GET / ABCDEFGHI/1.0\r\n", NULL, N},
	{"two spaces, empty target", TCP, EPH, 80, "GET  HTTP/1.1\r\n", NULL, N},
	{"status, code not digits", TCP, 80, EPH, "HTTP/1.1 abc OK\r\n", NULL, N},
	{"status, code 700", TCP, 80, EPH, "HTTP/1.1 700 Odd\r\n", NULL, N},
	{"status, four-digit code", TCP, 80, EPH, "HTTP/1.1 2000 OK\r\n", NULL, N},
	{"status, version letter", TCP, 80, EPH, "HTTP/x.1 200 OK\r\n", NULL, N},
	{"ftp command", TCP, EPH, 21, "USER anonymous\r\n", NULL, N},
	{"smtp command", TCP, EPH, 25, "EHLO client.example\r\n", NULL, N},
	{"ssh banner from client", TCP, EPH, 22, "SSH-2.0-OpenSSH_9.6\r\n", NULL, N},
	{"ssh banner from server", TCP, 22, EPH,
	    "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n", NULL, N},
	{"ssh banner 1.99", TCP, 22, EPH, "SSH-1.99-Cisco-1.25\r\n", NULL, N},

	/* Numbered reply lines (FTP, SMTP, NNTP). */
	{"ftp 220", TCP, 21, EPH, "220 ftp.example.com FTP server ready\r\n", NULL, S},
	{"smtp 220 multiline", TCP, 25, EPH, "220-mail.example.com ESMTP\r\n220 ok\r\n", NULL, S},
	{"smtp 250 short", TCP, 25, EPH, "250 OK\r\n", NULL, S},
	{"nntp 200", TCP, 119, EPH, "200 news.example.com ready (posting ok)\r\n", NULL, S},
	{"reply cut, 4 bytes of text", TCP, 21, EPH, "230 User", NULL, S},
	{"reply cut, 3 bytes of text", TCP, 21, EPH, "230 Use", NULL, N},
	{"reply cut after CR", TCP, 21, EPH, "226 Transfer complete\r", NULL, S},
	{"reply, short then CR", TCP, 21, EPH, "226 \r", NULL, N},
	{"reply, CR without LF", TCP, 21, EPH, "226 ok\rX", NULL, N},
	{"reply, control byte", TCP, 21, EPH, "200 \x01\x02\x03\x04\x05", NULL, N},
	{"reply, code 600", TCP, 21, EPH, "600 nope\r\n", NULL, N},
	{"reply, no separator", TCP, 21, EPH, "2000 ok\r\n", NULL, N},
	{"reply on udp", UDP, 21, EPH, "220 ftp.example.com ready\r\n", NULL, N},

	/* TLS. */
	{"tls client hello", TCP, EPH, 443, NULL, TLS_CH, C},
	{"tls server hello", TCP, 443, EPH, NULL, TLS_SH, S},
	{"tls client hello cut to 6", TCP, EPH, 443, NULL, "16 03 01 02 00 01", C},
	{"tls client hello cut to 5", TCP, EPH, 443, NULL, "16 03 01 02 00", N},
	{"tls certificate", TCP, 443, EPH, NULL, "16 03 03 04 00 0b 00 03 fc 00 03 f9", N},
	{"tls application data", TCP, 443, EPH, NULL, "17 03 03 00 20 " RAND32, N},
	{"tls version 3.5", TCP, EPH, 443, NULL, "16 03 05 00 2f 01 00 00 2b 03 03", N},
	{"tls record too long", TCP, EPH, 443, NULL, "16 03 01 48 01 01 00 00 2b 03 03", N},
	{"tls hello too short", TCP, EPH, 443, NULL, "16 03 01 00 2f 01 00 00 10 03 03", N},
	{"tls hello bad version", TCP, EPH, 443, NULL, "16 03 01 00 2f 01 00 00 2b 02 00", N},
	{"tls on udp", UDP, EPH, 443, NULL, TLS_CH, N},
	{"sslv2 client hello", TCP, EPH, 443, NULL,
	    "80 2e 01 03 01 00 15 00 00 00 10 " /* len 46, CLIENT-HELLO, 3.1, 21, 0, 16 */
	    "01 00 80 07 00 c0 03 00 80 00 00 39 00 00 38 00 00 35 00 00 33 " /* cipher specs */
	    "a1 b2 c3 d4 e5 f6 07 18 29 3a 4b 5c 6d 7e 8f 90", C}, /* challenge */
	{"sslv2 hello, lengths disagree", TCP, EPH, 443, NULL,
	    "80 30 01 03 01 00 15 00 00 00 10 01 00 80", N},

	/* DTLS. */
	{"dtls client hello", UDP, EPH, 4433, NULL,
	    "16 fe ff 00 00 00 00 00 00 00 00 00 3a " /* handshake, 1.0, epoch 0, seq 0, len */
	    "01 00 00 2e 00 00 00 00 00 00 00 2e fe fd " RAND32, C},
	{"dtls hello verify request", UDP, 4433, EPH, NULL,
	    "16 fe ff 00 00 00 00 00 00 00 00 00 23 "
	    "03 00 00 17 00 00 00 00 00 00 00 17 fe ff 14 "
	    "01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14", S},
	{"dtls 1.2 server hello", UDP, 4433, EPH, NULL,
	    "16 fe fd 00 00 00 00 00 00 00 00 01 52 02 00 00 46 00 01 00 00 00 00 00 46 fe fd", S},
	{"dtls epoch 1", UDP, EPH, 4433, NULL,
	    "16 fe fd 00 01 00 00 00 00 00 00 00 3a 01 00 00 2e", N},
	{"dtls cut before type", UDP, EPH, 4433, NULL,
	    "16 fe ff 00 00 00 00 00 00 00 00 00 3a", N},

	/* PostgreSQL. */
	{"pg startup", TCP, EPH, 5432, NULL,
	    "00 00 00 24 00 03 00 00 " /* length 36, protocol 3.0 */
	    "75 73 65 72 00 70 6f 73 74 67 72 65 73 00 " /* user postgres */
	    "64 61 74 61 62 61 73 65 00 61 70 70 00 00", C}, /* database app */
	{"pg startup cut to 8", TCP, EPH, 5432, NULL, "00 00 00 24 00 03 00 00", C},
	{"pg startup cut to 7", TCP, EPH, 5432, NULL, "00 00 00 24 00 03 00", N},
	{"pg ssl request", TCP, EPH, 5432, NULL, "00 00 00 08 04 d2 16 2f", C},
	{"pg gssenc request", TCP, EPH, 5432, NULL, "00 00 00 08 04 d2 16 30", C},
	{"pg cancel request", TCP, EPH, 5432,
	    NULL, "00 00 00 10 04 d2 16 2e 00 00 30 39 5a 1b 2c 3d", C},
	{"pg cancel request, 3.2 key", TCP, EPH, 5432, NULL,
	    "00 00 00 2c 04 d2 16 2e 00 00 30 39 " Z16 Z16, C}, /* 44: a 32-byte key */
	{"pg cancel request, short", TCP, EPH,
	    5432, NULL, "00 00 00 0c 04 d2 16 2e 00 00 30 39", N},
	{"pg startup, more bytes", TCP, EPH, 5432, NULL,
	    "00 00 00 0e 00 03 00 00 75 00 78 00 00 00 51", N},
	{"pg startup, no final NUL", TCP, EPH,
	    5432, NULL, "00 00 00 0c 00 03 00 00 75 00 78 01", N},
	{"pg ssl request, length 9", TCP, EPH, 5432, NULL, "00 00 00 09 04 d2 16 2f 00", N},
	{"pg protocol 2.0", TCP, EPH, 5432, NULL, "00 00 00 0c 00 02 00 00 75 00 78 00", N},
	{"pg auth ok", TCP, 5432, EPH, NULL, "52 00 00 00 08 00 00 00 00", S},
	{"pg auth ok + parameter status", TCP, 5432, EPH, NULL,
	    "52 00 00 00 08 00 00 00 00 53 00 00 00 16 61 70 70", S},
	{"pg auth md5", TCP, 5432, EPH, NULL, "52 00 00 00 0c 00 00 00 05 9a 0b 33 71", S},
	{"pg auth sasl", TCP, 5432, EPH, NULL,
	    "52 00 00 00 2a 00 00 00 0a "
	    "53 43 52 41 4d 2d 53 48 41 2d 32 35 36 00 " /* SCRAM-SHA-256 */
	    "53 43 52 41 4d 2d 53 48 41 2d 32 35 36 2d 50 4c 55 53 00 00", S}, /* -PLUS */
	{"pg auth sasl cut", TCP, 5432, EPH, NULL,
	    "52 00 00 00 2a 00 00 00 0a 53 43 52 41 4d", N},
	{"pg auth ok cut", TCP, 5432, EPH, NULL, "52 00 00 00 08 00 00 00", N},
	{"pg auth ok + odd byte", TCP, 5432, EPH, NULL, "52 00 00 00 08 00 00 00 00 78", N},
	{"pg auth, wrong length", TCP, 5432, EPH, NULL, "52 00 00 00 09 00 00 00 00 00", N},
	{"pg auth sasl continue", TCP, 5432, EPH, NULL, "52 00 00 00 0c 00 00 00 0b 72 3d 61", N},

	/* MongoDB. */
	{"mongo op_msg request", TCP, EPH, 27017, NULL,
	    "33 00 00 00 01 00 00 00 00 00 00 00 dd 07 00 00 " /* 51, id 1, to 0, OP_MSG */
	    "00 00 00 00 00 " BSON_PING, C}, /* flags, kind 0 */
	{"mongo op_msg reply", TCP, 27017, EPH, NULL,
	    "26 00 00 00 55 00 00 00 01 00 00 00 dd 07 00 00 00 00 00 00 00 " BSON_OK, S},
	{"mongo op_query", TCP, EPH, 27017, NULL,
	    "3a 00 00 00 02 00 00 00 00 00 00 00 d4 07 00 00 00 00 00 00 " /* 58, OP_QUERY */
	    "61 64 6d 69 6e 2e 24 63 6d 64 00 00 00 00 00 ff ff ff ff " /* admin.$cmd, 0, -1 */
	    "13 00 00 00 10 69 73 4d 61 73 74 65 72 00 01 00 00 00 00", C},
	{"mongo op_reply", TCP, 27017, EPH, NULL,
	    "35 00 00 00 07 00 00 00 02 00 00 00 01 00 00 00 08 00 00 00 " /* 53, OP_REPLY */
	    "00 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 " BSON_OK, S},
	{"mongo op_compressed request", TCP, EPH, 27017, NULL,
	    "21 00 00 00 03 00 00 00 00 00 00 00 dc 07 00 00 " /* 33, OP_COMPRESSED */
	    "dd 07 00 00 2a 00 00 00 02 78 9c 01 02 03 04 05 06", C}, /* OP_MSG, 42, zlib */
	{"mongo op_compressed reply", TCP, 27017, EPH, NULL,
	    "21 00 00 00 04 00 00 00 03 00 00 00 dc 07 00 00 "
	    "dd 07 00 00 2a 00 00 00 03 28 b5 2f fd 00 01 02 03", S}, /* zstd */
	{"mongo header only", TCP, EPH, 27017, NULL,
	    "33 00 00 00 01 00 00 00 00 00 00 00 dd 07 00 00", C},
	{"mongo header cut", TCP, EPH, 27017,
	    NULL, "33 00 00 00 01 00 00 00 00 00 00 00 dd 07 00", N},
	{"mongo op_msg unknown flag", TCP, EPH, 27017, NULL,
	    "33 00 00 00 01 00 00 00 00 00 00 00 dd 07 00 00 04 00 00 00 00", N},
	{"mongo length below captured", TCP, EPH, 27017, NULL,
	    "15 00 00 00 01 00 00 00 00 00 00 00 dd 07 00 00 00 00 00 00 00 00 00", N},
	{"mongo length 15", TCP, EPH, 27017, NULL,
	    "0f 00 00 00 01 00 00 00 00 00 00 00 dd 07 00 00", N},
	{"mongo length 64 MB", TCP, EPH, 27017, NULL,
	    "00 00 00 04 01 00 00 00 00 00 00 00 dd 07 00 00", N},
	{"mongo op_reply to nothing", TCP, 27017, EPH, NULL,
	    "35 00 00 00 07 00 00 00 00 00 00 00 01 00 00 00 08 00 00 00", N},
	{"mongo op_compressed bad compressor", TCP, EPH, 27017, NULL,
	    "21 00 00 00 03 00 00 00 00 00 00 00 dc 07 00 00 dd 07 00 00 2a 00 00 00 09", N},

	/* RESP. */
	{"resp ping", TCP, EPH, 6379, "*1\r\n$4\r\nPING\r\n", NULL, C},
	{"resp set", TCP, EPH, 6379, "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", NULL, C},
	{"resp lowercase get", TCP, EPH, 6379, "*2\r\n$3\r\nget\r\n$3\r\nkey\r\n", NULL, C},
	{"resp module command", TCP, EPH, 6379, "*2\r\n$8\r\nJSON.GET\r\n$3\r\nkey\r\n", NULL, C},
	{"resp cut after bulk length", TCP, EPH, 6379, "*1\r\n$4\r\n", NULL, C},
	{"resp cut in bulk length", TCP, EPH, 6379, "*1\r\n$4\r", NULL, N},
	{"resp simple string reply", TCP, 6379, EPH, "+OK\r\n", NULL, N},
	{"resp bulk reply", TCP, 6379, EPH, "$5\r\nvalue\r\n", NULL, N},
	{"resp pubsub message", TCP, 6379, EPH,
	    "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n", NULL, N},
	{"resp subscribe confirmation", TCP, 6379, EPH,
	    "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n", NULL, N},
	{"resp mget reply (numbers)", TCP, 6379, EPH, "*2\r\n$2\r\n42\r\n$1\r\n7\r\n", NULL, N},
	{"resp empty array", TCP, 6379, EPH, "*0\r\n", NULL, N},
	{"resp null array", TCP, 6379, EPH, "*-1\r\n", NULL, N},
	{"resp name length lies", TCP, EPH, 6379, "*1\r\n$3\r\nPING\r\n", NULL, N},
	{"resp count of 7 digits", TCP, EPH, 6379, "*1000000\r\n$3\r\nDEL\r\n", NULL, N},

	/* DNS, mDNS, LLMNR. */
	{"dns query udp", UDP, EPH, 53, NULL, DNS_Q, C},
	{"dns response udp", UDP, 53, EPH, NULL, DNS_R, S},
	{"dns query tcp", TCP, EPH, 53, NULL, "00 21 " DNS_Q, C},
	{"dns response tcp", TCP, 53, EPH, NULL, "00 31 " DNS_R, S},
	{"dns query udp cut to 12", UDP, EPH, 53, NULL, "d3 5c 01 00 00 01 00 00 00 00 00 00", C},
	{"dns query udp cut to 11", UDP, EPH, 53, NULL, "d3 5c 01 00 00 01 00 00 00 00 00", N},
	{"mdns query, known answer", UDP, 5353, 5353, NULL,
	    "00 00 00 00 00 01 00 01 00 00 00 00 " QNAME "00 0c 00 01 "
	    "c0 0c 00 0c 00 01 00 00 11 94 00 02 c0 0c", C},
	{"mdns response 5353 to 5353", UDP, 5353, 5353, NULL,
	    "00 00 84 00 00 00 00 01 00 00 00 00 " QNAME "00 01 80 01 00 00 00 78 00 04 c0 a8 01 0a", S},
	{"llmnr query", UDP, EPH, 5355,
	    NULL, "8a 21 00 00 00 01 00 00 00 00 00 00 04 68 6f 73 74 00 00 01 00 01", C},
	{"dns query off the dns ports udp", UDP, EPH, 5000, NULL, DNS_Q, N},
	{"dns query off the dns ports tcp", TCP, EPH, 8080, NULL, "00 21 " DNS_Q, N},
	{"dns query with an answer", UDP, EPH, 53, NULL,
	    "d3 5c 01 00 00 01 00 01 00 00 00 00 " QNAME "00 01 00 01", N},
	{"dns query with an rcode", UDP, EPH, 53, NULL,
	    "d3 5c 01 03 00 01 00 00 00 00 00 00 " QNAME "00 01 00 01", N},
	{"dns opcode 3", UDP, EPH, 53, NULL, "d3 5c 19 00 00 01 00 00 00 00 00 00", N},
	{"dns qdcount 300", UDP, EPH, 53, NULL, "d3 5c 01 00 01 2c 00 00 00 00 00 00", N},
	{"dns update with prerequisites", UDP, EPH, 53,
	    NULL, "12 34 28 00 00 01 00 01 00 01 00 00", C},
	{"dns tcp length too small", TCP, EPH, 53, NULL, "00 0b " DNS_Q, N},

	/* NTP. */
	{"ntp client", UDP, EPH, 123, NULL, NTP("23"), C},
	{"ntp server", UDP, 123, EPH, NULL, NTP("24"), S},
	{"ntp v3 client 123 to 123", UDP, 123, 123, NULL, NTP("1b"), C},
	{"ntp symmetric active", UDP, 123, 123, NULL, NTP("21"), N},
	{"ntp symmetric passive", UDP, 123, 123, NULL, NTP("22"), N},
	{"ntp broadcast", UDP, 123, 123, NULL, NTP("25"), N},
	{"ntp control", UDP, EPH, 123, NULL, "16 02 00 01 00 00 00 00 00 00 00 00", N},
	{"ntp version 0", UDP, EPH, 123, NULL, NTP("03"), N},
	{"ntp version 5", UDP, EPH, 123, NULL, NTP("2b"), N},
	{"ntp cut to 47", UDP, EPH, 123, NULL,
	    "23 00 06 ec " Z16 Z16 "00 00 00 00 00 00 00 00 00 00 00", N},
	{"ntp off port 123", UDP, EPH, 124, NULL, NTP("23"), N},

	/* BOOTP/DHCP. */
	{"dhcp discover", UDP, 68, 67, NULL, DHCP("01", "01"), C},
	{"dhcp offer", UDP, 67, 68, NULL, DHCP("02", "02"), S},
	{"dhcp request from a relay", UDP, 67, 67, NULL, DHCP("01", "03"), C},
	{"bootp cut to 4", UDP, 68, 67, NULL, "01 01 06 00", C},
	{"bootp cut to 3", UDP, 68, 67, NULL, "01 01 06", N},
	{"bootp without cookie", UDP, 68, 67, NULL, BOOTP_BODY("01") "00 00 00 00", N},
	{"bootp htype 7", UDP, 68, 67, NULL, "01 07 06 00 39 03 f3 26", N},
	{"bootp hlen 17", UDP, 68, 67, NULL, "01 01 11 00 39 03 f3 26", N},
	{"bootp op 3", UDP, 68, 67, NULL, "03 01 06 00 39 03 f3 26", N},
	{"dhcp off its ports", UDP, EPH, 6767, NULL, DHCP("01", "01"), N},

	/* SMB. */
	{"smb2 negotiate request", TCP, EPH, 445,
	    NULL, "00 00 00 66 " SMB2("00 00 00 00", "00 00") "24 00 02 00", C},
	{"smb2 negotiate response", TCP, 445, EPH,
	    NULL, "00 00 00 66 " SMB2("01 00 00 00", "00 00") "41 00 01 00", S},
	{"smb2 oplock break (server)", TCP, 445, EPH,
	    NULL, "00 00 00 58 " SMB2("01 00 00 00", "12 00") "18 00", S},
	{"smb2 cut before flags", TCP, EPH, 445, NULL,
	    "00 00 00 66 fe 53 4d 42 40 00 00 00 00 00 00 00 00 00 00 00 00 00 00", N},
	{"smb2 cut after flags", TCP, EPH, 445, NULL,
	    "00 00 00 66 fe 53 4d 42 40 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", C},
	{"smb2 bad structure size", TCP, EPH, 445,
	    NULL, "00 00 00 66 " "fe 53 4d 42 41 00 00 00" Z16, N},
	{"smb2 without nbss", TCP, EPH, 445, NULL, SMB2("00 00 00 00", "00 00"), N},
	{"smb3 transform", TCP, 445, EPH, NULL, "00 00 00 80 fd 53 4d 42 " Z16 Z16, N},
	{"smb1 negotiate", TCP, EPH, 139, NULL,
	    "00 00 00 2f ff 53 4d 42 72 00 00 00 00 18 53 c8 " Z16 "00 00 ff fe 00 00 00 00", C},
	{"smb1 negotiate response", TCP, 139, EPH, NULL,
	    "00 00 00 55 ff 53 4d 42 72 00 00 00 00 98 53 c8 " Z16 "00 00 ff fe 00 00 00 00", S},
	{"smb1 short nbss length", TCP, EPH, 139, NULL,
	    "00 00 00 10 ff 53 4d 42 72 00 00 00 00 98 53 c8", N},

	/* DCE/RPC. */
	{"dcerpc bind", TCP, EPH, 135, NULL,
	    RPC_LE("0b", "48 00") "b8 10 b8 10 00 00 00 00 01 00 00 00", C},
	{"dcerpc bind_ack", TCP, 135, EPH, NULL,
	    RPC_LE("0c", "44 00") "b8 10 b8 10 4d 1b 00 00 04 00 31 33 35 00", S},
	{"dcerpc request", TCP, EPH, 49667,
	    NULL, RPC_LE("00", "18 00") "00 00 00 00 00 00 00 00", C},
	{"dcerpc response", TCP, 49667, EPH,
	    NULL, RPC_LE("02", "18 00") "00 00 00 00 00 00 00 00", S},
	{"dcerpc fault", TCP, 49667, EPH, NULL, RPC_LE("03", "20 00") "00 00 00 00 00 00 00 00", S},
	{"dcerpc alter_context", TCP, EPH, 49667, NULL, RPC_LE("0e", "48 00"), C},
	{"dcerpc alter_context_resp", TCP, 49667, EPH, NULL, RPC_LE("0f", "38 00"), S},
	{"dcerpc auth3", TCP, EPH, 49667, NULL, RPC_LE("10", "38 00"), C},
	{"dcerpc bind_nak", TCP, 135, EPH, NULL, RPC_LE("0d", "18 00"), S},
	{"dcerpc bind big-endian", TCP, EPH, 135, NULL,
	    "05 00 0b 03 00 00 00 00 00 48 00 00 00 00 00 01", C},
	{"dcerpc cut to 10", TCP, EPH, 135, NULL, "05 00 0b 03 10 00 00 00 48 00", C},
	{"dcerpc cut to 9", TCP, EPH, 135, NULL, "05 00 0b 03 10 00 00 00 48", N},
	{"dcerpc frag length 12", TCP, EPH, 135, NULL, RPC_LE("0b", "0c 00"), N},
	{"dcerpc auth length too big", TCP, EPH, 135,
	    NULL, "05 00 0b 03 10 00 00 00 48 00 40 00", N},
	{"dcerpc ebcdic", TCP, EPH, 135, NULL, "05 00 0b 03 11 00 00 00 48 00 00 00", N},
	{"dcerpc version 5.2", TCP, EPH, 135, NULL, "05 02 0b 03 10 00 00 00 48 00 00 00", N},
	{"dcerpc ping (connectionless type)", TCP, EPH, 135, NULL, RPC_LE("01", "10 00"), N},

	/* LDAP, CLDAP. */
	{"ldap bind request", TCP, EPH, 32681, NULL,
	    "30 0c 02 01 01 60 07 02 01 03 04 00 80 00", C},
	{"ldap bind response", TCP, 389, EPH, NULL, "30 0c 02 01 01 61 07 0a 01 00 04 00 04 00", S},
	{"ldap search done", TCP, 389, EPH, NULL, "30 0c 02 01 02 65 07 0a 01 00 04 00 04 00", S},
	{"ldap unbind (primitive)", TCP, EPH, 389, NULL, "30 05 02 01 03 42 00", C},
	{"ldap search entry, 4-byte lengths", TCP, 389, EPH, NULL,
	    "30 84 00 00 00 10 02 01 02 64 84 00 00 00 07 04 03 63 3d 78 30 00", S},
	{"cldap search request", UDP, EPH, 389, NULL,
	    "30 10 02 01 05 63 0b 04 00 0a 01 00 0a 01 00 02 01 00", C},
	{"ldap op longer than the message", TCP, EPH, 389, NULL,
	    "30 0c 02 01 01 60 20 02 01 03 04 00 80 00", N},
	{"ldap negative message id", TCP, EPH, 389, NULL,
	    "30 0c 02 01 81 60 07 02 01 03 04 00 80 00", N},
	{"ldap bind request primitive", TCP, EPH, 389, NULL,
	    "30 0c 02 01 01 40 07 02 01 03 04 00 80 00", N},
	{"ldap unknown op 20", TCP, EPH, 389, NULL, "30 0c 02 01 01 74 07 02 01 03 04 00 80 00", N},
	{"ldap cut before the op", TCP, EPH, 389, NULL, "30 0c 02 01 01", N},
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* ---- helpers ----------------------------------------------------------- */

/* The payload of case c into out; returns its length. */
static size_t
payload(const struct peek_case *c, uint8_t *out, size_t max)
{
	size_t n;

	if (c->hex != NULL)
		return rk_test_hex(c->hex, out, max);
	n = strlen(c->text);
	assert_true(n <= max);
	memcpy(out, c->text, n);
	return n;
}

/*
 * rk_peek() on len bytes of b from an exactly-sized heap copy (NULL when
 * len is 0), so an over-read is an ASan error; the hint must be valid.
 */
static enum rk_peek_hint
peek(uint8_t proto, uint16_t sport, uint16_t dport, const uint8_t *b, size_t len)
{
	uint8_t *copy = NULL;
	enum rk_peek_hint h;

	if (len > 0) {
		copy = malloc(len);
		assert_non_null(copy);
		memcpy(copy, b, len);
	}
	h = rk_peek(proto, sport, dport, copy, len);
	free(copy);
	assert_true(h == RK_PEEK_NONE || h == RK_PEEK_CLIENT || h == RK_PEEK_SERVER);
	return h;
}

/* ---- tests ------------------------------------------------------------- */

/* Every case gives its hint. */
static void
test_cases(void **state)
{
	uint8_t buf[1024];
	size_t i, len;
	int bad = 0;

	(void)state;
	for (i = 0; i < N_CASES; i++) {
		const struct peek_case *c = &cases[i];
		enum rk_peek_hint h;

		len = payload(c, buf, sizeof(buf));
		h = peek(c->proto, c->sport, c->dport, buf, len);
		if (h != c->want) {
			print_error("%s: %s, want %s\n", c->name, rk_peek_hint_name(h),
			    rk_peek_hint_name(c->want));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/*
 * Every prefix of every payload is read within bounds; a prefix of a
 * payload that says something says the same thing or nothing.
 */
static void
test_prefixes(void **state)
{
	uint8_t buf[1024];
	size_t i, len, n;
	int bad = 0;

	(void)state;
	for (i = 0; i < N_CASES; i++) {
		const struct peek_case *c = &cases[i];

		len = payload(c, buf, sizeof(buf));
		for (n = 0; n < len; n++) {
			enum rk_peek_hint h = peek(c->proto, c->sport, c->dport, buf, n);

			if (c->want != RK_PEEK_NONE && h != RK_PEEK_NONE && h != c->want) {
				print_error("%s cut to %zu: %s, want %s or -\n", c->name, n,
				    rk_peek_hint_name(h), rk_peek_hint_name(c->want));
				bad++;
			}
		}
	}
	assert_int_equal(bad, 0);
}

/* The same payloads on the other transports: a TCP-only signature says nothing on UDP. */
static void
test_transport_gates(void **state)
{
	static const char *tcp_only[] = {"tls client hello", "pg startup", "pg auth ok",
	    "mongo op_msg request", "resp ping", "smb2 negotiate request", "dcerpc bind",
	    "ftp 220"};
	static const char *udp_only[] = {"ntp client", "dhcp discover", "dtls client hello"};
	uint8_t buf[1024];
	size_t i, k, len;

	(void)state;
	for (i = 0; i < N_CASES; i++) {
		const struct peek_case *c = &cases[i];

		len = payload(c, buf, sizeof(buf));
		for (k = 0; k < sizeof(tcp_only) / sizeof(tcp_only[0]); k++) {
			if (strcmp(c->name, tcp_only[k]) == 0) {
				assert_int_equal(peek(UDP, c->sport, c->dport, buf, len), N);
				assert_int_equal(peek(SCTP, c->sport, c->dport, buf, len), N);
			}
		}
		for (k = 0; k < sizeof(udp_only) / sizeof(udp_only[0]); k++) {
			if (strcmp(c->name, udp_only[k]) == 0) {
				assert_int_equal(peek(TCP, c->sport, c->dport, buf, len), N);
				assert_int_equal(peek(SCTP, c->sport, c->dport, buf, len), N);
			}
		}
		/* No signature on a protocol without ports. */
		assert_int_equal(peek(1, c->sport, c->dport, buf, len), N);
		assert_int_equal(peek(58, c->sport, c->dport, buf, len), N);
	}
}

/* xorshift32: a fixed sequence of pseudo-random bytes. */
static uint32_t
next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * Random bytes (a fixed sequence) say nothing off the port-gated
 * signatures' ports; on those ports they are only read within bounds.
 */
static void
test_random(void **state)
{
	static const uint8_t protos[] = {TCP, UDP, SCTP};
	static const uint16_t gated[] = {53, 67, 68, 123, 5353, 5355};
	uint8_t buf[512];
	uint32_t seed = 0x2545f491;
	size_t i, k, len;

	(void)state;
	for (i = 0; i < 3000; i++) {
		len = next_rand(&seed) % sizeof(buf);
		for (k = 0; k < len; k++)
			buf[k] = (uint8_t)next_rand(&seed);
		for (k = 0; k < sizeof(protos); k++)
			assert_int_equal(peek(protos[k], EPH, 40000, buf, len), N);
		for (k = 0; k < sizeof(gated) / sizeof(gated[0]); k++) {
			(void)peek(TCP, EPH, gated[k], buf, len);
			(void)peek(UDP, gated[k], EPH, buf, len);
		}
	}
}

/* An empty payload says nothing, with or without a pointer. */
static void
test_empty(void **state)
{
	static const uint8_t protos[] = {0, 1, TCP, UDP, 58, SCTP, 255};
	static const uint16_t ports[] = {0, 53, 67, 68, 123, 445, 5353, 5432, 27017};
	const uint8_t one = 'G';
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(protos); i++) {
		for (k = 0; k < sizeof(ports) / sizeof(ports[0]); k++) {
			assert_int_equal(rk_peek(protos[i], ports[k], EPH, NULL, 0), N);
			assert_int_equal(rk_peek(protos[i], EPH, ports[k], &one, 0), N);
		}
	}
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(rk_peek_hint_name(RK_PEEK_CLIENT), "client");
	assert_string_equal(rk_peek_hint_name(RK_PEEK_SERVER), "server");
	assert_string_equal(rk_peek_hint_name(RK_PEEK_NONE), "-");
	assert_string_equal(rk_peek_hint_name((enum rk_peek_hint)0x7f), "-");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_transport_gates),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
