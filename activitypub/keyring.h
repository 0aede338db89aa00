/* Our own keys: the instance actor's (made on first start) and each statement actor's. */
#ifndef ACTIVITYPUB_KEYRING_H
#define ACTIVITYPUB_KEYRING_H

#include "util/err.h"

struct store;

/* Settings keys under which the instance actor's key pair is kept. */
#define KEYRING_INSTANCE_PRIVATE "instance_private_pem"
#define KEYRING_INSTANCE_PUBLIC "instance_public_pem"

/* Make and store the instance actor's RSA-2048 key pair unless it exists. */
int keyring_instance_ensure(struct store *st, struct err *err);

#endif
