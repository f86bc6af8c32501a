/* healthcheck: the static probe final images run from HEALTHCHECK (they have no shell or curl).
 * Exit 0 when the service answers as expected, 1 otherwise with one line on stderr saying why.
 *
 *   healthcheck http   ADDR PATH [LO-HI]      GET PATH, status in LO-HI (default 200-399)
 *   healthcheck https  ADDR PATH [LO-HI]      rejected: no TLS in this helper (see README.md)
 *   healthcheck tcp    ADDR                   a TCP connect succeeds
 *   healthcheck expect ADDR SEND EXPECT       send SEND (escapes \r \n \t \\), reply contains EXPECT
 *   healthcheck exec   PATH [ARG...]          run the app's own probe, exit status 0
 *
 * ADDR is an IP literal with a port: 127.0.0.1:8080 or [::1]:8080 (no DNS: nothing to resolve in a
 * container probing itself). One deadline covers the whole probe: HEALTHCHECK_TIMEOUT seconds
 * (default 5), so the helper always answers before docker's own timeout kills it.
 * Built with: musl-gcc -static -Os -Wall -Wextra -Werror -o healthcheck healthcheck.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REPLY_MAX 4096

static const char *g_kind = "";
static const char *g_target = "";
static const char *g_path = "";
static long long g_deadline_ms;

/* Print the one line of failure and exit 1 (docker reserves exit 2). */
static void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void fail(const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  /* Keep the report to exactly one line even if a server sent control characters. */
  for (char *p = msg; *p; p++)
    if (*p == '\n' || *p == '\r') *p = ' ';
  if (*g_kind)
    fprintf(stderr, "healthcheck: %s %s%s: %s\n", g_kind, g_target, g_path, msg);
  else
    fprintf(stderr, "healthcheck: %s\n", msg);
  exit(1);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining_ms(void) {
  long long left = g_deadline_ms - now_ms();
  if (left <= 0) return 0;
  return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

static int timeout_seconds(void) {
  const char *s = getenv("HEALTHCHECK_TIMEOUT");
  if (!s || !*s) return 5;
  char *end;
  long v = strtol(s, &end, 10);
  if (*end != '\0' || v < 1 || v > 3600) fail("HEALTHCHECK_TIMEOUT=%s: expected whole seconds, 1-3600", s);
  return (int)v;
}

/* "1.2.3.4:80" or "[::1]:80" -> sockaddr; IP literals only. */
static socklen_t parse_addr(const char *text, struct sockaddr_storage *ss) {
  char host[64];
  const char *port_s;
  memset(ss, 0, sizeof *ss);
  if (text[0] == '[') {
    const char *close = strchr(text, ']');
    if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof host)
      fail("bad address (want [IPv6]:PORT)");
    memcpy(host, text + 1, (size_t)(close - text - 1));
    host[close - text - 1] = '\0';
    port_s = close + 2;
  } else {
    const char *colon = strrchr(text, ':');
    if (!colon || (size_t)(colon - text) >= sizeof host) fail("bad address (want IPv4:PORT)");
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    if (strchr(host, ':')) fail("bad address (write IPv6 as [ADDR]:PORT)");
    port_s = colon + 1;
  }
  char *end;
  long port = strtol(port_s, &end, 10);
  if (!*port_s || *end || port < 1 || port > 65535) fail("bad port \"%s\"", port_s);
  struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
  if (strcmp(host, "localhost") == 0) strcpy(host, "127.0.0.1");
  if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons((unsigned short)port);
    return sizeof *in4;
  }
  if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((unsigned short)port);
    return sizeof *in6;
  }
  fail("\"%s\" is not an IP address (the helper does no DNS)", host);
}

/* Non-blocking connect bounded by the deadline; returns a blocking-free socket. */
static int dial(const char *addr) {
  struct sockaddr_storage ss;
  socklen_t len = parse_addr(addr, &ss);
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) fail("socket: %s", strerror(errno));
  if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
    if (errno != EINPROGRESS) fail("connect: %s", strerror(errno));
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int n;
    do n = poll(&p, 1, remaining_ms());
    while (n < 0 && errno == EINTR);
    if (n == 0) fail("connect: timed out");
    if (n < 0) fail("poll: %s", strerror(errno));
    int err = 0;
    socklen_t elen = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) err = errno;
    if (err) fail("connect: %s", strerror(err));
  }
  return fd;
}

static void send_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int n = poll(&p, 1, remaining_ms());
    if (n == 0) fail("send: timed out");
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("poll: %s", strerror(errno));
    }
    ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      fail("send: %s", strerror(errno));
    }
    buf += w;
    len -= (size_t)w;
  }
}

/* Read into buf (keeping a NUL) until done(buf, len) says so, EOF, or the deadline. Returns len. */
static size_t recv_until(int fd, char *buf, size_t cap, int (*done)(const char *, size_t, const void *),
                         const void *arg, int *eof) {
  size_t len = 0;
  *eof = 0;
  buf[0] = '\0';
  while (len + 1 < cap && !done(buf, len, arg)) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n = poll(&p, 1, remaining_ms());
    if (n == 0) fail("no reply: timed out after %d bytes", (int)len);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("poll: %s", strerror(errno));
    }
    ssize_t r = recv(fd, buf + len, cap - 1 - len, 0);
    if (r < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      fail("recv: %s", strerror(errno));
    }
    if (r == 0) {
      *eof = 1;
      break;
    }
    len += (size_t)r;
    buf[len] = '\0';
  }
  return len;
}

static int has_line(const char *buf, size_t len, const void *arg) {
  (void)arg;
  return memchr(buf, '\n', len) != NULL;
}

struct needle {
  const char *s;
  size_t len;
};

static int has_needle(const char *buf, size_t len, const void *arg) {
  const struct needle *n = arg;
  return memmem(buf, len, n->s, n->len) != NULL;
}

/* Decode \r \n \t \\ in place; other bytes pass through. Returns the new length. */
static size_t unescape(char *s) {
  char *w = s;
  for (const char *r = s; *r; r++) {
    if (*r == '\\' && r[1]) {
      r++;
      switch (*r) {
        case 'r': *w++ = '\r'; break;
        case 'n': *w++ = '\n'; break;
        case 't': *w++ = '\t'; break;
        case '\\': *w++ = '\\'; break;
        default: *w++ = '\\'; *w++ = *r; break;
      }
    } else {
      *w++ = *r;
    }
  }
  *w = '\0';
  return (size_t)(w - s);
}

static void parse_range(const char *s, int *lo, int *hi) {
  char *end;
  long a = strtol(s, &end, 10), b = a;
  if (*end == '-') b = strtol(end + 1, &end, 10);
  if (*end || a < 100 || b > 599 || a > b) fail("bad status range \"%s\" (want e.g. 200-399)", s);
  *lo = (int)a;
  *hi = (int)b;
}

static int probe_http(const char *addr, const char *path, const char *range) {
  int lo = 200, hi = 399;
  if (range) parse_range(range, &lo, &hi);
  if (path[0] != '/' || strpbrk(path, " \r\n")) fail("bad path (want /something, no spaces)");
  int fd = dial(addr);
  char req[1024];
  /* HTTP/1.0 plus Connection: close: the server closes after one response, no chunking to parse. */
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: atelier-healthcheck\r\n"
                   "Accept: */*\r\nConnection: close\r\n\r\n",
                   path, addr);
  if (n < 0 || (size_t)n >= sizeof req) fail("path too long");
  send_all(fd, req, (size_t)n);
  char reply[512];
  int eof;
  size_t len = recv_until(fd, reply, sizeof reply, has_line, NULL, &eof);
  close(fd);
  if (len == 0) fail("connection closed before a status line");
  int major, minor, status;
  char sp;
  if (sscanf(reply, "HTTP/%d.%d %3d%c", &major, &minor, &status, &sp) != 4 || (sp != ' ' && sp != '\r'))
    fail("not an HTTP status line: \"%.40s\"", reply);
  if (status < lo || status > hi) fail("status %d not in %d-%d", status, lo, hi);
  printf("healthcheck: http %s%s: status %d\n", addr, path, status);
  return 0;
}

static int probe_tcp(const char *addr) {
  close(dial(addr));
  printf("healthcheck: tcp %s: connected\n", addr);
  return 0;
}

static int probe_expect(const char *addr, char *send_s, char *expect_s) {
  size_t slen = unescape(send_s);
  struct needle want = {expect_s, unescape(expect_s)};
  if (want.len == 0) fail("empty expect string");
  int fd = dial(addr);
  if (slen) send_all(fd, send_s, slen);
  char reply[REPLY_MAX];
  int eof;
  size_t len = recv_until(fd, reply, sizeof reply, has_needle, &want, &eof);
  close(fd);
  if (!memmem(reply, len, want.s, want.len)) {
    /* Show the start of the reply, printable bytes only. */
    char shown[41];
    size_t k = 0;
    for (size_t i = 0; i < len && k < sizeof shown - 1; i++)
      shown[k++] = (reply[i] >= 0x20 && reply[i] < 0x7f) ? reply[i] : '.';
    shown[k] = '\0';
    fail("reply \"%s\" does not contain \"%s\"%s", shown, expect_s, eof ? " (connection closed)" : "");
  }
  printf("healthcheck: expect %s: matched\n", addr);
  return 0;
}

static int probe_exec(char **argv) {
  if (argv[0][0] != '/') fail("needs an absolute path (there is no PATH search)");
  pid_t pid = fork();
  if (pid < 0) fail("fork: %s", strerror(errno));
  if (pid == 0) {
    execv(argv[0], argv);
    fprintf(stderr, "healthcheck: exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  int status;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) fail("waitpid: %s", strerror(errno));
    if (remaining_ms() == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      fail("timed out; killed");
    }
    struct timespec ts = {0, 10 * 1000000};
    nanosleep(&ts, NULL);
  }
  if (WIFSIGNALED(status)) fail("killed by signal %d", WTERMSIG(status));
  if (WEXITSTATUS(status) == 127) exit(1); /* the child already said why */
  if (WEXITSTATUS(status) != 0) fail("exited with %d", WEXITSTATUS(status));
  return 0;
}

static void usage(void) {
  fputs("healthcheck: usage: healthcheck http ADDR PATH [LO-HI] | tcp ADDR | expect ADDR SEND EXPECT"
        " | exec PATH [ARG...]\n",
        stderr);
  exit(1);
}

int main(int argc, char **argv) {
  if (argc < 3) usage();
  signal(SIGPIPE, SIG_IGN);
  g_kind = argv[1];
  g_deadline_ms = now_ms() + (long long)timeout_seconds() * 1000;
  if (strcmp(argv[1], "exec") == 0) {
    g_target = argv[2];
    return probe_exec(argv + 2);
  }
  g_target = argv[2];
  if (strcmp(argv[1], "http") == 0) {
    if (argc != 4 && argc != 5) usage();
    g_path = argv[3];
    return probe_http(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
  }
  if (strcmp(argv[1], "https") == 0) {
    g_path = argc > 3 ? argv[3] : "";
    fail("https is not supported by this helper: probe the plain-HTTP or TCP port instead"
         " (tcp(port) or expect(...))");
  }
  if (strcmp(argv[1], "tcp") == 0) {
    if (argc != 3) usage();
    return probe_tcp(argv[2]);
  }
  if (strcmp(argv[1], "expect") == 0) {
    if (argc != 5) usage();
    return probe_expect(argv[2], argv[3], argv[4]);
  }
  g_kind = "";
  fail("unknown probe \"%s\" (http, tcp, expect, exec)", argv[1]);
}
