/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause */
/* Copyright (c) 2026 KVM GPA Team */
/* The unit tests' assertion: count it, and say what failed without stopping. */
#ifndef KVMGPA_TEST_CHECK_H
#define KVMGPA_TEST_CHECK_H

#include <stdio.h>

static int failures, checks;

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);	\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

#endif
