/* SPDX-License-Identifier: MIT */
/* virtio-net's buffers over split virtqueues: rx pages posted and checked on return, a tx page pool; no hardware. */
#include <string.h>
#include "virtio_net.h"
#include "virtio_os.h"

static int rx_post(struct vnet_queues *n, void *page)
{
	struct virtq_seg s = { vio_bus_addr(page), VNET_BUF_SIZE, true };

	return virtq_add(&n->rx, &s, 1, page) < 0 ? -1 : 0;
}

int vnet_queues_init(struct vnet_queues *n, unsigned int nbufs, unsigned int ntx)
{
	uint64_t ba;

	if (!nbufs || !ntx || nbufs > VNET_MAX_BUFS || ntx > VNET_MAX_BUFS || nbufs > n->rx.size ||
	    ntx > n->tx.size)
		return -1;
	for (unsigned int i = 0; i < nbufs; i++) {
		void *p = vio_dma_page(&ba);

		if (!p || rx_post(n, p))
			return -1;
		n->rx_nbufs++;
	}
	for (unsigned int i = 0; i < ntx; i++) {
		void *p = vio_dma_page(&ba);

		if (!p)
			return -1;
		n->tx_free[n->tx_nfree++] = p;
		n->tx_nbufs++;
	}
	return 0;
}

unsigned int vnet_rx_poll(struct vnet_queues *n, unsigned int budget, vnet_rx_fn fn, void *arg)
{
	unsigned int reposted = 0;
	void *page;
	uint32_t len;
	int r;

	while (budget-- && (r = virtq_get(&n->rx, &page, &len)) != 0) {
		if (r < 0) {
			n->stats.rx_bad++;	/* a descriptor that was not in flight: nothing to repost */
			continue;
		}
		/* len is the device's word: it must leave room for the header and stay inside the page. */
		if (len < sizeof(struct virtio_net_hdr) || len > VNET_BUF_SIZE ||
		    len - sizeof(struct virtio_net_hdr) > VNET_MAX_FRAME) {
			n->stats.rx_bad++;
		} else {
			n->stats.rx_frames++;
			n->stats.rx_bytes += len - sizeof(struct virtio_net_hdr);
			fn(arg, (const uint8_t *)page + sizeof(struct virtio_net_hdr),
			   len - sizeof(struct virtio_net_hdr));
		}
		/* The page we posted goes back whatever the device wrote into it. */
		if (rx_post(n, page) == 0)
			reposted++;
	}
	return reposted;
}

unsigned int vnet_tx_reclaim(struct vnet_queues *n)
{
	unsigned int done = 0;
	void *page;
	uint32_t len;
	int r;

	while ((r = virtq_get(&n->tx, &page, &len)) != 0) {
		if (r < 0 || n->tx_nfree >= n->tx_nbufs)
			continue;	/* not a page of ours in flight: keep the pool as it is */
		n->tx_free[n->tx_nfree++] = page;
		n->stats.tx_done++;
		done++;
	}
	return done;
}

int vnet_tx_post(struct vnet_queues *n, const void *frame, size_t len)
{
	struct virtq_seg s;
	uint8_t *page;

	if (len == 0 || len > VNET_MAX_FRAME)
		return -1;
	if (!n->tx_nfree) {
		n->stats.tx_full++;
		return -1;
	}
	page = n->tx_free[--n->tx_nfree];
	memset(page, 0, sizeof(struct virtio_net_hdr));		/* no checksum or segmentation asked */
	memcpy(page + sizeof(struct virtio_net_hdr), frame, len);
	s = (struct virtq_seg){ vio_bus_addr(page), (uint32_t)(sizeof(struct virtio_net_hdr) + len), false };
	if (virtq_add(&n->tx, &s, 1, page) < 0) {
		n->tx_free[n->tx_nfree++] = page;
		n->stats.tx_full++;
		return -1;
	}
	n->stats.tx_frames++;
	n->stats.tx_bytes += len;
	return 0;
}
