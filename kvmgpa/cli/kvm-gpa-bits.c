// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kvm-gpa-bits: print how many guest-physical address bits KVM can map.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "kvmgpa.h"

enum { EXIT_FITS = 0, EXIT_DOES_NOT_FIT = 1, EXIT_ERROR = 2 };

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [--json] [--vm] [--device PATH] [--kvm-only]\n"
		"          [--guest-maxphyaddr BITS] [--check GPA SIZE]\n"
		"\n"
		"Print N, the number of guest-physical address bits KVM can map:\n"
		"guest memory and 64-bit BARs must end at or below 2^N.\n"
		"\n"
		"  --json           print the result as JSON\n"
		"  --vm             ask a freshly created VM instead of /dev/kvm\n"
		"  --device PATH    the KVM device (default /dev/kvm)\n"
		"  --kvm-only       only KVM's own answers: no /proc or /sys, no guess\n"
		"                   (exit 2 when KVM does not say)\n"
		"  --guest-maxphyaddr BITS\n"
		"                   the MAXPHYADDR the guest will have (default KVM's),\n"
		"                   for the guest-usable width min(N, BITS)\n"
		"  --check GPA SIZE exit 0 if [GPA, GPA+SIZE) fits below 2^N, 1 if not\n"
		"  --help           this text\n"
		"  --version        the library version\n"
		"\n"
		"Exit status: 0 success (or the region fits), 1 the region does not fit,\n"
		"2 an error (no KVM, no permission, bad arguments).\n", argv0);
}

/*
 * A GPA or size: decimal digits, or 0x and hex digits, and nothing else.
 * strtoull() alone would take a sign (" -5" is 2^64 - 5), blanks and octal
 * ("010" is 8), none of which a user typing an address means.
 */
static int parse_u64(const char *s, uint64_t *v)
{
	const char *digits = s;
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = s + 2;
		base = 16;
	}
	if (!*digits)
		return -1;
	for (const char *p = digits; *p; p++)
		if (base == 16 ? !isxdigit((unsigned char)*p) : !isdigit((unsigned char)*p))
			return -1;
	errno = 0;
	*v = strtoull(digits, &end, base);
	return (errno || *end) ? -1 : 0;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void json_int_or_null(int v)
{
	if (v < 0)
		printf("null");
	else
		printf("%d", v);
}

static void print_json(const struct kvmgpa_result *r, bool vm, int check, uint64_t gpa,
		       uint64_t size)
{
	unsigned int i;

	printf("{\"bits\": %u, \"max_gpa\": \"0x%" PRIx64 "\", \"source\": ",
	       r->bits, kvmgpa_max_gpa(r->bits));
	json_string(kvmgpa_source_name(r->source));
	printf(", \"explanation\": ");
	json_string(r->explanation);
	printf(", \"asked\": \"%s\", \"skipped\": [", vm ? "vm" : "system");
	for (i = 0; i < r->nr_skipped; i++) {
		if (i)
			printf(", ");
		json_string(r->skipped[i]);
	}
	printf("], \"capability\": ");
	json_int_or_null(r->cap_bits);
	printf(", \"capability_number\": %lu, \"guest_phys_addr_size\": ", kvmgpa_cap_number());
	json_int_or_null(r->guest_phys_bits);
	printf(", \"maxphyaddr\": ");
	json_int_or_null(r->maxphyaddr);
	printf(", \"authoritative\": %s, \"guest_maxphyaddr\": %u, \"guest_bits\": %u",
	       r->authoritative ? "true" : "false", r->guest_maxphyaddr, r->guest_bits);
	if (check)
		printf(", \"check\": {\"gpa\": \"0x%" PRIx64 "\", \"size\": \"0x%" PRIx64
		       "\", \"fits\": %s}", gpa, size,
		       kvmgpa_region_fits(r->bits, gpa, size) ? "true" : "false");
	printf("}\n");
}

static void print_text(const struct kvmgpa_result *r, int check, uint64_t gpa, uint64_t size)
{
	unsigned int i;

	printf("max GPA bits: %u\n", r->bits);
	printf("highest GPA:  0x%" PRIx64 "\n", kvmgpa_max_gpa(r->bits));
	printf("source:       %s\n", kvmgpa_source_name(r->source));
	printf("explanation:  %s\n", r->explanation);
	printf("guest bits:   %u (min(N, guest MAXPHYADDR %u))\n", r->guest_bits,
	       r->guest_maxphyaddr);
	for (i = 0; i < r->nr_skipped; i++)
		printf("skipped:      %s\n", r->skipped[i]);
	if (check)
		printf("region [0x%" PRIx64 ", +0x%" PRIx64 "): %s\n", gpa, size,
		       kvmgpa_region_fits(r->bits, gpa, size) ? "fits" : "does NOT fit");
}

/* An answer that did not reach its reader must not look like one. */
static int flush_stdout(const char *argv0)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: writing the result failed: %s\n", argv0, strerror(errno));
		return EXIT_ERROR;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "vm", no_argument, NULL, 'v' },
		{ "device", required_argument, NULL, 'd' },
		{ "check", no_argument, NULL, 'c' },
		{ "kvm-only", no_argument, NULL, 'k' },
		{ "guest-maxphyaddr", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = "/dev/kvm";
	bool json = false, vm = false;
	struct kvmgpa_options qo = KVMGPA_OPTIONS_INIT;
	struct kvmgpa_result res;
	uint64_t gpa = 0, size = 0, gbits;
	int check = 0, opt, kvm, fd, r;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'v':
			vm = true;
			break;
		case 'd':
			device = optarg;
			break;
		case 'c':
			check = 1;
			break;
		case 'k':
			qo.flags |= KVMGPA_KVM_ONLY;
			break;
		case 'g':
			if (parse_u64(optarg, &gbits) || gbits < 32 || gbits > 52) {
				fprintf(stderr, "%s: --guest-maxphyaddr wants a number of bits, 32 to 52\n",
					argv[0]);
				return EXIT_ERROR;
			}
			qo.guest_maxphyaddr = gbits;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return flush_stdout(argv[0]);
		case 'V':
			printf("kvm-gpa-bits %s\n", KVMGPA_VERSION);
			return flush_stdout(argv[0]);
		default:
			usage(stderr, argv[0]);
			return EXIT_ERROR;
		}
	}
	if (check) {
		if (argc - optind != 2 || parse_u64(argv[optind], &gpa) ||
		    parse_u64(argv[optind + 1], &size)) {
			fprintf(stderr, "%s: --check wants GPA and SIZE, as decimal or 0x hex numbers\n",
				argv[0]);
			return EXIT_ERROR;
		}
	} else if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", argv[0], argv[optind]);
		return EXIT_ERROR;
	}

	kvm = open(device, O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		int e = errno;

		fprintf(stderr, "%s: cannot open %s: %s", argv[0], device, strerror(e));
		if (e == ENOENT)
			fprintf(stderr, " (is KVM enabled and its module loaded?)");
		else if (e == EACCES || e == EPERM)
			fprintf(stderr, " (is this user in the group that owns %s?)", device);
		fprintf(stderr, "\n");
		return EXIT_ERROR;
	}
	/*
	 * Anything but KVM (a file, /dev/null) would fail every KVM query and
	 * leave only the host's cpuinfo: an answer about no KVM at all.
	 */
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		fprintf(stderr, "%s: %s is not a KVM device (KVM_GET_API_VERSION failed)\n",
			argv[0], device);
		close(kvm);
		return EXIT_ERROR;
	}
	fd = kvm;
	if (vm) {
		fd = ioctl(kvm, KVM_CREATE_VM, 0);
		if (fd < 0) {
			fprintf(stderr, "%s: KVM_CREATE_VM failed: %s\n", argv[0], strerror(errno));
			close(kvm);
			return EXIT_ERROR;
		}
	}
	qo.system_fd = kvm;
	qo.vm_fd = fd != kvm ? fd : -1;
	r = kvmgpa_query_ex(&qo, &res, sizeof(res));
	if (r == -ENODATA) {
		fprintf(stderr, "%s: KVM does not say how many GPA bits it maps (no KVM_CAP_MAX_GPA_BITS, no GuestPhysAddrSize); without --kvm-only the answer would be inferred\n",
			argv[0]);
		for (unsigned int i = 0; i < res.nr_skipped; i++)
			fprintf(stderr, "  skipped: %s\n", res.skipped[i]);
		return EXIT_ERROR;
	}
	if (r) {
		fprintf(stderr, "%s: query failed: %s\n", argv[0], strerror(-r));
		return EXIT_ERROR;
	}
	if (json)
		print_json(&res, vm, check, gpa, size);
	else
		print_text(&res, check, gpa, size);
	if (fd != kvm)
		close(fd);
	close(kvm);
	if (flush_stdout(argv[0]))
		return EXIT_ERROR;

	if (check && !kvmgpa_region_fits(res.bits, gpa, size))
		return EXIT_DOES_NOT_FIT;
	return EXIT_FITS;
}
