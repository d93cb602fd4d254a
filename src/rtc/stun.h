/* STUN (RFC 8489) for the server side of ICE-lite (RFC 8445 section 2.5),
 * sans-IO.
 *
 * Parsing fills a caller-provided aula_stun_msg whose pointers borrow from
 * the packet, so the packet must outlive the view; nothing is allocated.
 * Building writes into a caller buffer and fails with AULA_ETOOBIG when it
 * does not fit. No sockets, no clock, no libuv: the worker's loop glue feeds
 * datagrams in and sends what comes out.
 *
 * The packet path for a datagram from an unknown address is:
 * aula_stun_peek_username() to find the transport by our ufrag, then
 * aula_stun_parse() and aula_stun_check_integrity() with that transport's
 * password, all before anything is allocated for the sender.
 *
 * Credentials are ICE short-term credentials (RFC 8489 section 9.1): the
 * MESSAGE-INTEGRITY key is the password of the agent that receives the
 * request, taken as is (ICE passwords are ASCII, so OpaqueString processing
 * changes nothing).
 *
 * Thread: every function is reentrant; there is no shared state. */
#ifndef AULA_RTC_STUN_H
#define AULA_RTC_STUN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define AULA_STUN_HEADER_SIZE 20
#define AULA_STUN_TXID_SIZE 12
#define AULA_STUN_MAGIC_COOKIE 0x2112A442u
/* Longest USERNAME value, RFC 8489 section 14.3. */
#define AULA_STUN_MAX_USERNAME 513
/* How many unknown comprehension-required attribute types a parsed message
 * keeps for the 420 response; more than that are counted as one overflow. */
#define AULA_STUN_MAX_UNKNOWN 8

/* Message types (method and class together), RFC 8489 sections 5 and 18.2. */
enum {
    AULA_STUN_BINDING_REQUEST = 0x0001,
    AULA_STUN_BINDING_INDICATION = 0x0011,
    AULA_STUN_BINDING_SUCCESS = 0x0101,
    AULA_STUN_BINDING_ERROR = 0x0111,
};

/* Attribute types, RFC 8489 section 18.3 and RFC 8445 section 16.1. */
enum {
    AULA_STUN_ATTR_MAPPED_ADDRESS = 0x0001,
    AULA_STUN_ATTR_USERNAME = 0x0006,
    AULA_STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
    AULA_STUN_ATTR_ERROR_CODE = 0x0009,
    AULA_STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
    AULA_STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
    AULA_STUN_ATTR_PRIORITY = 0x0024,
    AULA_STUN_ATTR_USE_CANDIDATE = 0x0025,
    AULA_STUN_ATTR_SOFTWARE = 0x8022,
    AULA_STUN_ATTR_FINGERPRINT = 0x8028,
    AULA_STUN_ATTR_ICE_CONTROLLED = 0x8029,
    AULA_STUN_ATTR_ICE_CONTROLLING = 0x802A,
};

/* ERROR-CODE values this server sends (RFC 8489 section 14.8, RFC 8445
 * section 7.3.1.1). */
enum {
    AULA_STUN_ERR_BAD_REQUEST = 400,
    AULA_STUN_ERR_UNAUTHORIZED = 401,
    AULA_STUN_ERR_UNKNOWN_ATTRIBUTE = 420,
    AULA_STUN_ERR_ROLE_CONFLICT = 487,
    AULA_STUN_ERR_SERVER_ERROR = 500,
};

/* A parsed message: a value type whose pointers borrow from the packet.
 * Fields for attributes that were absent are zero / NULL / false. Only the
 * first occurrence of an attribute counts (RFC 8489 section 14), and
 * attributes after MESSAGE-INTEGRITY other than FINGERPRINT are ignored
 * (section 14.5). */
typedef struct aula_stun_msg {
    const uint8_t *data; /* borrowed: the whole message */
    size_t len;          /* header plus attributes */
    uint16_t type;       /* method and class, e.g. AULA_STUN_BINDING_REQUEST */
    uint16_t method;     /* 12-bit method, 0x001 for Binding */
    uint8_t cls;         /* 0 request, 1 indication, 2 success, 3 error */
    const uint8_t *txid; /* borrowed: AULA_STUN_TXID_SIZE bytes */

    const char *username; /* borrowed, not NUL-terminated */
    size_t username_len;
    const char *software; /* borrowed, not NUL-terminated */
    size_t software_len;

    bool has_priority;
    uint32_t priority;
    bool use_candidate;
    bool ice_controlling; /* ICE-CONTROLLING present; tie_breaker is its value */
    bool ice_controlled;  /* ICE-CONTROLLED present; tie_breaker is its value */
    uint64_t tie_breaker;

    bool has_xor_mapped;
    struct sockaddr_storage xor_mapped; /* AF_INET or AF_INET6, decoded */

    int error_code;           /* ERROR-CODE as 300..699, 0 when absent */
    const char *error_reason; /* borrowed, not NUL-terminated */
    size_t error_reason_len;

    /* Byte offsets of the MESSAGE-INTEGRITY and FINGERPRINT attribute
     * headers inside data; 0 when absent (the header makes 0 impossible). */
    size_t integrity_off;
    size_t fingerprint_off;

    /* Comprehension-required attributes (type < 0x8000) this parser does
     * not understand, in order of appearance. A request with n_unknown > 0
     * must be answered 420 listing them (RFC 8489 section 6.3.1.1). */
    uint16_t unknown[AULA_STUN_MAX_UNKNOWN];
    size_t n_unknown;
} aula_stun_msg;

/* Cheap demultiplexing test for a datagram on the shared UDP port: true if
 * the first byte is in the STUN range (RFC 7983 section 7), the datagram
 * holds a header and the magic cookie is there. Reads only the header. */
bool aula_stun_is_stun(const uint8_t *buf, size_t len);

/* Parses one STUN message that fills buf exactly (one UDP datagram).
 * Checks the header (RFC 8489 section 5: top bits zero, length a multiple
 * of 4 that matches len, magic cookie), walks every attribute with bounds
 * checks, validates the lengths of the attributes it decodes, and records
 * unknown comprehension-required ones in msg->unknown instead of failing.
 * Does not check MESSAGE-INTEGRITY or FINGERPRINT: call the check functions.
 * Returns 0 and fills msg (borrowing from buf), or AULA_EPROTO for anything
 * malformed, in which case msg is unspecified. */
int aula_stun_parse(aula_stun_msg *msg, const uint8_t *buf, size_t len);

/* The packet path's first look at a datagram from an unknown address:
 * succeeds only for a well-formed Binding request (parsed as by
 * aula_stun_parse) that carries USERNAME, and points *username at its value
 * inside buf, without verifying integrity. Returns 0, AULA_EPROTO when buf
 * is not a well-formed Binding request, or AULA_ENOENT when it has no
 * USERNAME. The caller must still verify MESSAGE-INTEGRITY before trusting
 * the sender. */
int aula_stun_peek_username(const uint8_t *buf, size_t len, const char **username,
                            size_t *username_len);

/* Splits an ICE USERNAME "receiver-ufrag:sender-ufrag" (RFC 8445 section
 * 7.2.2). In a request we receive, the part before the colon is our own
 * ufrag. Sets *first_len to the length of that part; the second part starts
 * at username + *first_len + 1. Returns 0, or AULA_EPROTO if there is no
 * colon or either part is empty. */
int aula_stun_split_username(const char *username, size_t len, size_t *first_len);

/* Verifies MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 section 14.5) of a parsed
 * message with the short-term credential password (NUL-terminated, not
 * empty). Returns 0 if it matches, AULA_ENOENT if the message has none,
 * AULA_EPERM if it does not match (answer 401), AULA_EINVAL for an empty
 * password, AULA_EIO if the crypto library fails. Constant-time compare. */
int aula_stun_check_integrity(const aula_stun_msg *msg, const char *password);

/* Verifies FINGERPRINT (RFC 8489 section 14.7). Returns 0 if it matches,
 * AULA_ENOENT if the message has none, AULA_EPROTO if it does not match. */
int aula_stun_check_fingerprint(const aula_stun_msg *msg);

/* CRC-32 (ISO-HDLC, as zlib's crc32 with initial value 0) of len bytes, the
 * checksum FINGERPRINT is made of. Exposed for tests. */
uint32_t aula_stun_crc32(const uint8_t *buf, size_t len);

/* Incremental message builder over a caller buffer: a value type.
 * Errors are sticky: after the first failure every call returns the same
 * error and leaves the buffer alone, so a sequence of adds can be checked
 * once at the end with aula_stun_writer_finish(). The header's length field
 * is kept current after every call. */
typedef struct aula_stun_writer {
    uint8_t *buf; /* borrowed: the caller's buffer */
    size_t cap;
    size_t len;
    int err; /* first error, sticky */
} aula_stun_writer;

/* Starts a message of the given type and transaction id (12 bytes) in
 * buf[0..cap). A cap below the header size makes the writer fail with
 * AULA_ETOOBIG. */
void aula_stun_writer_init(aula_stun_writer *w, uint8_t *buf, size_t cap, uint16_t type,
                           const uint8_t *txid);

/* Appends an attribute with a raw value of len bytes (at most 0xFFFF) and
 * zero padding to a multiple of 4 (RFC 8489 section 14). Returns 0,
 * AULA_ETOOBIG or AULA_EINVAL (sticky). */
int aula_stun_writer_add(aula_stun_writer *w, uint16_t type, const void *value, size_t len);

/* Appends a 32-bit or 64-bit big-endian attribute (PRIORITY, ICE-CONTROLLING,
 * ICE-CONTROLLED). Returns as aula_stun_writer_add(). */
int aula_stun_writer_add_u32(aula_stun_writer *w, uint16_t type, uint32_t value);
int aula_stun_writer_add_u64(aula_stun_writer *w, uint16_t type, uint64_t value);

/* Appends XOR-MAPPED-ADDRESS for an AF_INET or AF_INET6 address (RFC 8489
 * section 14.2). Returns as aula_stun_writer_add(), AULA_EINVAL for another
 * family. */
int aula_stun_writer_add_xor_address(aula_stun_writer *w, const struct sockaddr *addr);

/* Appends ERROR-CODE (RFC 8489 section 14.8): code in 300..699 and a reason
 * phrase (NUL-terminated, at most 763 bytes; NULL for a standard phrase). */
int aula_stun_writer_add_error(aula_stun_writer *w, int code, const char *reason);

/* Appends MESSAGE-INTEGRITY computed with password (NUL-terminated, not
 * empty) over everything written so far (RFC 8489 section 14.5). Only
 * FINGERPRINT may follow. Returns as aula_stun_writer_add(), AULA_EIO if the
 * crypto library fails. */
int aula_stun_writer_add_integrity(aula_stun_writer *w, const char *password);

/* Appends FINGERPRINT (RFC 8489 section 14.7); it must be the last
 * attribute. Returns as aula_stun_writer_add(). */
int aula_stun_writer_add_fingerprint(aula_stun_writer *w);

/* Ends the message: returns the first error of the sequence, or 0 and the
 * message size in *out_len. */
int aula_stun_writer_finish(const aula_stun_writer *w, size_t *out_len);

/* Builds a Binding success response (RFC 8445 section 7.3.1.4) to the
 * request with transaction id txid: XOR-MAPPED-ADDRESS of from (the
 * request's source address), MESSAGE-INTEGRITY with our password,
 * FINGERPRINT. Returns 0 and the size in *out_len, AULA_ETOOBIG if cap is
 * too small, AULA_EINVAL for a bad family or empty password. */
int aula_stun_build_binding_success(uint8_t *buf, size_t cap, size_t *out_len, const uint8_t *txid,
                                    const struct sockaddr *from, const char *password);

/* Builds a Binding error response with ERROR-CODE code (400, 401, 420,
 * 487, ...) and its standard reason, UNKNOWN-ATTRIBUTES listing unknown[]
 * when n_unknown > 0 (for 420), then MESSAGE-INTEGRITY when password is not
 * NULL (NULL for 400/401, where the request's credentials were not
 * verified, RFC 8489 section 9.1.3) and FINGERPRINT. Returns as
 * aula_stun_build_binding_success(). */
int aula_stun_build_binding_error(uint8_t *buf, size_t cap, size_t *out_len, const uint8_t *txid,
                                  int code, const uint16_t *unknown, size_t n_unknown,
                                  const char *password);

/* What a Binding request carries (RFC 8445 section 7.1.1). */
typedef struct aula_stun_request {
    const uint8_t *txid;  /* borrowed: 12 random bytes from the caller */
    const char *username; /* borrowed: "remote-ufrag:local-ufrag", NUL-terminated */
    const char *password; /* borrowed: the remote agent's password */
    uint32_t priority;    /* PRIORITY */
    bool controlling;     /* ICE-CONTROLLING if true, else ICE-CONTROLLED */
    uint64_t tie_breaker; /* value of ICE-CONTROLLING / ICE-CONTROLLED */
    bool use_candidate;   /* USE-CANDIDATE (controlling agent nominating) */
} aula_stun_request;

/* Builds a Binding request (client side, for load generation and tests):
 * USERNAME, PRIORITY, ICE-CONTROLLING or ICE-CONTROLLED, USE-CANDIDATE if
 * asked, MESSAGE-INTEGRITY, FINGERPRINT. Returns as
 * aula_stun_build_binding_success(); AULA_EINVAL for a USERNAME longer than
 * AULA_STUN_MAX_USERNAME. */
int aula_stun_build_binding_request(uint8_t *buf, size_t cap, size_t *out_len,
                                    const aula_stun_request *req);

#endif
