/*
 * The native side of packet-floor.bench.ts: what one forwarded packet's unavoidable work costs when
 * it is not bound by Node's APIs. Not part of the bridge (which is TypeScript only); a measuring
 * instrument the bench compiles with the system's cc and OpenSSL headers, to say in figures what a
 * native send path would lift.
 *
 *   packet-floor protect|unprotect <packets> <payload bytes>
 *     AES-128-GCM (AEAD_AES_128_GCM, RFC 7714: the 24-byte header as AAD, 16-byte tag) with ONE
 *     reused EVP context per direction, re-keyed only by a new IV per packet, as a native SRTP
 *     context would be. Prints the process CPU µs per packet.
 *   packet-floor send|sendmmsg <packets> <payload bytes> <rate/s> <port> [<port> …]
 *     UDP to 127.0.0.1, round robin over the ports (sockets of the bench's receiver process), paced
 *     at <rate> packets per second in 1 ms ticks like the bridge's load: one sendmsg per packet, or
 *     one sendmmsg per tick. Prints the process CPU µs per packet.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#define HEADER 24
#define TAG 16
#define BATCH_MAX 1024

static double cpu_seconds(void) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int crypt_loop(int encrypt, long packets, int payload) {
  unsigned char key[16], iv[12], tag[TAG];
  unsigned char *in = malloc(HEADER + payload + TAG), *out = malloc(HEADER + payload + TAG);
  memset(key, 7, sizeof key);
  memset(iv, 9, sizeof iv);
  memset(in, 0xa5, HEADER + payload + TAG);
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (!EVP_CipherInit_ex(ctx, EVP_aes_128_gcm(), NULL, key, NULL, encrypt)) return 1;
  int len;
  if (!encrypt) {
    /* A tag that authenticates: encrypt once with the same key and IV. */
    EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new();
    EVP_EncryptInit_ex(e, EVP_aes_128_gcm(), NULL, key, iv);
    EVP_EncryptUpdate(e, NULL, &len, in, HEADER);
    EVP_EncryptUpdate(e, in + HEADER, &len, in + HEADER, payload);
    EVP_EncryptFinal_ex(e, in + HEADER + payload, &len);
    EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_GCM_GET_TAG, TAG, in + HEADER + payload);
    EVP_CIPHER_CTX_free(e);
  }
  double c0 = cpu_seconds();
  for (long i = 0; i < packets; i++) {
    /* The IV changes with every packet's index; the key schedule stays. */
    if (!EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, encrypt)) return 1;
    EVP_CipherUpdate(ctx, NULL, &len, in, HEADER);
    EVP_CipherUpdate(ctx, out + HEADER, &len, in + HEADER, payload);
    if (encrypt) {
      EVP_CipherFinal_ex(ctx, out + HEADER + payload, &len);
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG, tag);
    } else {
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG, in + HEADER + payload);
      if (EVP_CipherFinal_ex(ctx, out + HEADER + payload, &len) <= 0) {
        fprintf(stderr, "authentication failed\n");
        return 1;
      }
    }
  }
  printf("%.3f\n", (cpu_seconds() - c0) * 1e6 / packets);
  EVP_CIPHER_CTX_free(ctx);
  return 0;
}

static int send_loop(int batched, long packets, int payload, double rate, int nports, char **ports) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  int big = 4 << 20;
  setsockopt(s, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  struct sockaddr_in *to = calloc(nports, sizeof *to);
  for (int i = 0; i < nports; i++) {
    to[i].sin_family = AF_INET;
    to[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to[i].sin_port = htons(atoi(ports[i]));
  }
  int bytes = HEADER + payload + TAG;
  unsigned char *buf = malloc(bytes);
  memset(buf, 0x80, bytes);
  static struct mmsghdr msgs[BATCH_MAX];
  static struct iovec iov[BATCH_MAX];
  long sent = 0, k = 0;
  double c0 = cpu_seconds(), t0 = now_ms();
  struct timespec tick = {0, 1000000};
  while (sent < packets) {
    long due = (long)((now_ms() - t0) * rate / 1000) + 1;
    if (due > packets) due = packets;
    while (sent < due) {
      if (batched) {
        int n = 0;
        for (; n < BATCH_MAX && sent + n < due; n++, k++) {
          iov[n].iov_base = buf;
          iov[n].iov_len = bytes;
          memset(&msgs[n], 0, sizeof msgs[n]);
          msgs[n].msg_hdr.msg_iov = &iov[n];
          msgs[n].msg_hdr.msg_iovlen = 1;
          msgs[n].msg_hdr.msg_name = &to[k % nports];
          msgs[n].msg_hdr.msg_namelen = sizeof to[0];
        }
        int done = sendmmsg(s, msgs, n, 0);
        if (done <= 0) break;
        sent += done;
        k -= n - done;
      } else {
        sendto(s, buf, bytes, 0, (struct sockaddr *)&to[k++ % nports], sizeof to[0]);
        sent++;
      }
    }
    nanosleep(&tick, NULL);
  }
  printf("%.3f\n", (cpu_seconds() - c0) * 1e6 / packets);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: packet-floor protect|unprotect|send|sendmmsg <packets> <payload> [rate port…]\n");
    return 2;
  }
  long packets = atol(argv[2]);
  int payload = atoi(argv[3]);
  if (strcmp(argv[1], "protect") == 0) return crypt_loop(1, packets, payload);
  if (strcmp(argv[1], "unprotect") == 0) return crypt_loop(0, packets, payload);
  if (argc < 6) return 2;
  if (strcmp(argv[1], "send") == 0) return send_loop(0, packets, payload, atof(argv[4]), argc - 5, argv + 5);
  if (strcmp(argv[1], "sendmmsg") == 0) return send_loop(1, packets, payload, atof(argv[4]), argc - 5, argv + 5);
  return 2;
}
