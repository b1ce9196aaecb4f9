// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause
/* Copyright (c) 2026 KVM GPA Team */
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

/*
 * What the architecture the program is built for calls its widths
 * (kvmgpa(3)): the widest guest width, the capability that states the
 * ceiling of a VM's width, and the answers --kvm-only takes.
 */
#if defined(__riscv) && __riscv_xlen == 64
#define MAX_BITS	59
#define CEILING_CAP	"KVM_CAP_VM_GPA_BITS on /dev/kvm"
#define CEILING_WHERE	CEILING_CAP
#define KVM_ANSWERS	"no KVM_CAP_VM_GPA_BITS"
#elif defined(__aarch64__)
#define MAX_BITS	52
#define CEILING_CAP	"KVM_CAP_ARM_VM_IPA_SIZE"
#define CEILING_WHERE	CEILING_CAP
#define KVM_ANSWERS	"KVM_CAP_ARM_VM_IPA_SIZE is the host's limit, not a VM's IPA size"
#else
#define MAX_BITS	52
#define CEILING_CAP	"KVM_CAP_MAX_GPA_BITS"
#define CEILING_WHERE	"KVM_CAP_MAX_GPA_BITS on the VM"
#define KVM_ANSWERS	"no trusted KVM_CAP_MAX_GPA_BITS, no GuestPhysAddrSize"
#endif

/* A width --vm-bits may ask for: on riscv64, one a G-stage mode has. */
static bool vm_bits_ok(uint64_t bits)
{
#if defined(__riscv) && __riscv_xlen == 64
	return bits == 41 || bits == 50 || bits == 59;
#else
	return bits >= 32 && bits <= MAX_BITS;
#endif
}

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [--json] [--vm] [--vm-bits BITS] [--device PATH]\n"
		"          [--kvm-only] [--guest-maxphyaddr BITS] [--check GPA SIZE]\n"
		"\n"
		"Print N, the number of guest-physical address bits KVM can map:\n"
		"guest memory and 64-bit BARs must end at or below 2^N.\n"
		"\n"
		"  --json           print the result as JSON\n"
		"  --vm             ask a freshly created VM instead of /dev/kvm\n"
		"  --vm-bits BITS   the same, with the VM's width set to BITS (32 up to\n"
		"                   KVM's ceiling) first; also print the ceiling and the\n"
		"                   VM's width as KVM reports them afterwards\n"
		"  --device PATH    the KVM device (default /dev/kvm)\n"
		"  --kvm-only       only KVM's own answers: no /proc or /sys, no guess\n"
		"                   (exit 2 when KVM does not say)\n"
		"  --guest-maxphyaddr BITS\n"
		"                   the MAXPHYADDR the guest will have (default KVM's),\n"
		"                   for the guest-usable width min(N, BITS)\n"
		"  --check GPA SIZE exit 0 if [GPA, GPA+SIZE) fits below 2^W, 1 if not, where\n"
		"                   W is the guest-usable width min(N, guest MAXPHYADDR)\n"
		"                   when the guest's MAXPHYADDR is known or given, else N\n"
		"  --help           this text\n"
		"  --version        the library version\n"
		"\n"
		"Options are given once each, spelled out in full.\n"
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

/* What --check judges against: the guest-usable width when it is known. */
static const char *check_width(const struct kvmgpa_result *r)
{
	return r->guest_maxphyaddr_known ? "guest_bits" : "bits";
}

static void print_json(const struct kvmgpa_result *r, bool vm, unsigned int vm_bits, int check,
		       uint64_t gpa, uint64_t size)
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
	printf(", \"guest_maxphyaddr_known\": %s, \"vm_gpa_bits\": ",
	       r->guest_maxphyaddr_known ? "true" : "false");
	json_int_or_null(r->vm_gpa_bits);
	if (vm_bits)
		printf(", \"set_vm_bits\": %u", vm_bits);
	if (check)
		printf(", \"check\": {\"gpa\": \"0x%" PRIx64 "\", \"size\": \"0x%" PRIx64
		       "\", \"fits\": %s, \"bits\": %u, \"width\": \"%s\"}", gpa, size,
		       kvmgpa_result_region_fits(r, gpa, size) ? "true" : "false",
		       kvmgpa_usable_bits(r), check_width(r));
	printf("}\n");
}

static void print_text(const struct kvmgpa_result *r, unsigned int vm_bits, int check,
		       uint64_t gpa, uint64_t size)
{
	unsigned int i;

	printf("max GPA bits: %u\n", r->bits);
	printf("highest GPA:  0x%" PRIx64 "\n", kvmgpa_max_gpa(r->bits));
	printf("source:       %s\n", kvmgpa_source_name(r->source));
	printf("explanation:  %s\n", r->explanation);
	if (r->guest_maxphyaddr_known)
		printf("guest bits:   %u (min(N, guest MAXPHYADDR %u))\n", r->guest_bits,
		       r->guest_maxphyaddr);
	else
		printf("guest bits:   %u (N; the guest's MAXPHYADDR is unknown)\n", r->guest_bits);
	printf("authoritative: %s\n", r->authoritative ? "yes (KVM states N)" : "no");
	if (vm_bits) {
		printf("ceiling:      %d (%s)\n", r->cap_bits, CEILING_WHERE);
		printf("VM width:     %d (KVM_CAP_VM_GPA_BITS, set to %u)\n", r->vm_gpa_bits,
		       vm_bits);
	}
	for (i = 0; i < r->nr_skipped; i++)
		printf("skipped:      %s\n", r->skipped[i]);
	if (check)
		printf("region [0x%" PRIx64 ", +0x%" PRIx64 "): %s below 2^%u (%s)\n", gpa, size,
		       kvmgpa_result_region_fits(r, gpa, size) ? "fits" : "does NOT fit",
		       kvmgpa_usable_bits(r),
		       r->guest_maxphyaddr_known ? "guest bits, min(N, guest MAXPHYADDR)" :
		       "N; the guest's MAXPHYADDR is unknown");
}

/*
 * getopt_long() takes any unambiguous prefix ("--js" for --json) and lets a
 * later option silently override an earlier one.  Neither is wanted: a
 * script's "--dev" could come to mean another option when one is added,
 * and "--guest-maxphyaddr 40 --guest-maxphyaddr 52" has no one meaning.
 * @idx is the option getopt_long() matched; the argument it came from is
 * just before optind, or two before when its value was a separate word.
 */
static bool bad_spelling(char **argv, const struct option *opts, int idx, unsigned int *seen)
{
	const char *word = argv[optind - 1];
	size_t len;

	if (optarg && optarg == argv[optind - 1] && optind >= 2)
		word = argv[optind - 2];
	word += 2;			/* "--" */
	len = strcspn(word, "=");
	if (len != strlen(opts[idx].name) || strncmp(word, opts[idx].name, len)) {
		fprintf(stderr, "%s: unknown option '--%.*s' (options are not abbreviated: did you mean --%s?)\n",
			argv[0], (int)len, word, opts[idx].name);
		return true;
	}
	if (*seen & (1u << idx)) {
		fprintf(stderr, "%s: option '--%s' given twice\n", argv[0], opts[idx].name);
		return true;
	}
	*seen |= 1u << idx;
	return false;
}

/* Why kvmgpa_set_vm_bits() refused @bits, with the ceiling where it matters. */
static void set_vm_bits_failed(const char *argv0, int kvm, int vm, unsigned int bits, int err)
{
	struct kvmgpa_options o = KVMGPA_OPTIONS_INIT;
	struct kvmgpa_result res;

	fprintf(stderr, "%s: cannot set the VM's width to %u bits: ", argv0, bits);
	o.system_fd = kvm;
	o.vm_fd = vm;
	o.flags = KVMGPA_KVM_ONLY;
#if defined(__aarch64__)
	if (err == -EOPNOTSUPP)
		fprintf(stderr, "arm64 fixes a VM's IPA size when KVM_CREATE_VM creates it (KVM_VM_TYPE_ARM_IPA_SIZE)\n");
#else
	if (err == -EOPNOTSUPP)
		fprintf(stderr, "this kernel cannot set a VM's GPA width (KVM_ENABLE_CAP of KVM_CAP_VM_GPA_BITS)\n");
#endif
	else if (err == -EINVAL && kvmgpa_query_ex(&o, &res, sizeof(res)) == 0 && res.authoritative)
		fprintf(stderr, "above the ceiling, %s %d\n", CEILING_CAP, res.cap_bits);
	else
		fprintf(stderr, "%s\n", strerror(-err));
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
		{ "vm-bits", required_argument, NULL, 'w' },
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
	uint64_t gpa = 0, size = 0, gbits, wbits;
	int check = 0, opt, idx, kvm, fd, r;
	unsigned int seen = 0, vm_bits = 0;

	while ((opt = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if (opt != '?' && bad_spelling(argv, opts, idx, &seen))
			return EXIT_ERROR;
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'v':
			vm = true;
			break;
		case 'w':
			if (parse_u64(optarg, &wbits) || !vm_bits_ok(wbits)) {
#if defined(__riscv) && __riscv_xlen == 64
				fprintf(stderr, "%s: --vm-bits wants the width of a G-stage mode: 41, 50 or 59\n",
					argv[0]);
#else
				fprintf(stderr, "%s: --vm-bits wants a number of bits, 32 to %d\n",
					argv[0], MAX_BITS);
#endif
				return EXIT_ERROR;
			}
			vm_bits = wbits;
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
			if (parse_u64(optarg, &gbits) || gbits < 32 || gbits > MAX_BITS) {
				fprintf(stderr, "%s: --guest-maxphyaddr wants a number of bits, 32 to %d\n",
					argv[0], MAX_BITS);
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
	/* Right after KVM_CREATE_VM: the VM has no memslot and no vCPU yet. */
	if (vm_bits && (r = kvmgpa_set_vm_bits(fd, vm_bits))) {
		set_vm_bits_failed(argv[0], kvm, fd, vm_bits, r);
		close(fd);
		close(kvm);
		return EXIT_ERROR;
	}
	qo.system_fd = kvm;
	qo.vm_fd = fd != kvm ? fd : -1;
	r = kvmgpa_query_ex(&qo, &res, sizeof(res));
	if (r == -ENODATA) {
		fprintf(stderr, "%s: KVM does not say how many GPA bits it maps (%s); without --kvm-only the answer would be inferred\n",
			argv[0], KVM_ANSWERS);
		for (unsigned int i = 0; i < res.nr_skipped; i++)
			fprintf(stderr, "  skipped: %s\n", res.skipped[i]);
		return EXIT_ERROR;
	}
	if (r) {
		fprintf(stderr, "%s: query failed: %s\n", argv[0], strerror(-r));
		return EXIT_ERROR;
	}
	if (json)
		print_json(&res, vm, vm_bits, check, gpa, size);
	else
		print_text(&res, vm_bits, check, gpa, size);
	if (fd != kvm)
		close(fd);
	close(kvm);
	if (flush_stdout(argv[0]))
		return EXIT_ERROR;

	if (check && !kvmgpa_result_region_fits(&res, gpa, size))
		return EXIT_DOES_NOT_FIT;
	return EXIT_FITS;
}
