/* SPDX-License-Identifier: MIT */
/* dom0's virtio-blk driver: feature negotiation, one request queue, synchronous read/write/flush requests. */
#include "virtio_blk.h"
#include "virtio_os.h"

#define SECTORS_PER_PAGE	(4096 / VBLK_SECTOR)

int vblk_open(struct vblk *b, bool with_irq)
{
	return vblk_open_nth(b, with_irq, 0);
}

int vblk_open_nth(struct vblk *b, bool with_irq, unsigned int nth)
{
	uint64_t wanted = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_BLK_F_FLUSH) | (1ULL << VIRTIO_BLK_F_RO) |
			  (1ULL << VIRTIO_BLK_F_SEG_MAX) | (1ULL << VIRTIO_BLK_F_SIZE_MAX) |
			  (1ULL << VIRTIO_RING_F_INDIRECT_DESC) | (1ULL << VIRTIO_BLK_F_DISCARD);
	uint64_t ba;
	int bdf = virtio_pci_find_nth(VIRTIO_PCI_VENDOR, VIRTIO_PCI_MODERN_BASE + VIRTIO_ID_BLOCK, nth);

	*b = (struct vblk){ 0 };
	if (bdf < 0)
		return -1;
	if (virtio_pci_open(&b->pci, (uint16_t)bdf))
		return -2;
	if (virtio_pci_negotiate(&b->pci, wanted, 1ULL << VIRTIO_F_VERSION_1))
		return -3;
	b->irq = with_irq && b->pci.msix_table_bar &&
		 vio_irq_setup((uint16_t)bdf, 0, b->pci.msix_table_bar) == 0;
	b->pci.common->msix_config = VIRTIO_MSI_NO_VECTOR;
	if (virtio_pci_queue(&b->pci, 0, VIRTQ_MAX_SIZE, b->irq ? 0 : VIRTIO_MSI_NO_VECTOR, &b->q))
		return -4;
	b->hdr = vio_dma_page(&ba);
	if (!b->hdr)
		return -5;
	b->status = (uint8_t *)(b->hdr + 1);
	b->capacity = virtio_pci_cfg_read(&b->pci, 0, 8);
	b->seg_max = (b->pci.features & (1ULL << VIRTIO_BLK_F_SEG_MAX)) ? (uint32_t)virtio_pci_cfg_read(&b->pci, 12, 4)
									 : 1;
	if (b->seg_max == 0 || b->seg_max > VBLK_MAX_SEGS)
		b->seg_max = VBLK_MAX_SEGS;
	if (b->pci.features & (1ULL << VIRTIO_BLK_F_SIZE_MAX)) {
		b->size_max = (uint32_t)virtio_pci_cfg_read(&b->pci, 8, 4);
		/* Every segment we give is up to a page: a device that takes less would need pages split. */
		if (b->size_max < 4096)
			return -6;
	}
	b->indirect = b->pci.features & (1ULL << VIRTIO_RING_F_INDIRECT_DESC);
	if (b->pci.features & (1ULL << VIRTIO_BLK_F_DISCARD)) {
		b->max_discard_sectors = (uint32_t)virtio_pci_cfg_read(&b->pci, 36, 4);
		b->discard_align = (uint32_t)virtio_pci_cfg_read(&b->pci, 44, 4);
		b->discard = b->max_discard_sectors > 0;
	}
	b->read_only = b->pci.features & (1ULL << VIRTIO_BLK_F_RO);
	b->flush = b->pci.features & (1ULL << VIRTIO_BLK_F_FLUSH);
	virtio_pci_driver_ok(&b->pci);
	return 0;
}

/* Posts one request (header, data, status in segs) and waits for it: 0 if the device answered OK. */
static int vblk_sync(struct vblk *b, const struct virtq_seg *segs, unsigned int n)
{
	void *cookie;
	uint32_t len;
	int r;

	*b->status = 0xff;		/* a value the device never writes: proves it answered */
	if (virtq_add(&b->q, segs, n, b) < 0)
		return -1;
	virtio_pci_notify(&b->pci, 0);
	while ((r = virtq_get(&b->q, &cookie, &len)) == 0) {
		if (b->irq) {
			vio_wait();
			b->interrupts_waited++;
		} else {
			__asm__ volatile("pause");
		}
	}
	b->requests++;
	if (r < 0 || cookie != b)
		return -1;
	return *(volatile uint8_t *)b->status == VIRTIO_BLK_S_OK ? 0 : -1;
}

/* Posts one request of n pages (header, data, status) and waits for it. */
static int vblk_do(struct vblk *b, uint32_t type, uint64_t sector, void *const *pages, unsigned int n,
		   uint32_t last_len)
{
	struct virtq_seg segs[VBLK_MAX_PAGES + 2];

	b->hdr->type = type;
	b->hdr->reserved = 0;
	b->hdr->sector = sector;
	segs[0] = (struct virtq_seg){ vio_bus_addr(b->hdr), sizeof(*b->hdr), false };
	for (unsigned int i = 0; i < n; i++)
		segs[1 + i] = (struct virtq_seg){ vio_bus_addr(pages[i]), i + 1 < n ? 4096 : last_len,
						  type == VIRTIO_BLK_T_IN };
	segs[1 + n] = (struct virtq_seg){ vio_bus_addr(b->status), 1, true };
	return vblk_sync(b, segs, n + 2);
}

/* nr_sectors from sector on, through pages (full but for the last); split as seg_max requires. */
static int vblk_rw(struct vblk *b, uint32_t type, uint64_t sector, void *const *pages, uint64_t nr_sectors)
{
	if (sector > b->capacity || nr_sectors > b->capacity - sector || !nr_sectors)
		return -1;
	if (type == VIRTIO_BLK_T_OUT && b->read_only)
		return -1;
	while (nr_sectors) {
		uint64_t max = (uint64_t)(b->seg_max < VBLK_MAX_PAGES ? b->seg_max : VBLK_MAX_PAGES) * SECTORS_PER_PAGE;
		uint32_t s = (uint32_t)(nr_sectors < max ? nr_sectors : max);
		unsigned int n = (s + SECTORS_PER_PAGE - 1) / SECTORS_PER_PAGE;
		uint32_t last = (s - (n - 1) * SECTORS_PER_PAGE) * VBLK_SECTOR;

		if (vblk_do(b, type, sector, pages, n, last))
			return -1;
		pages += n;
		nr_sectors -= s;
		sector += s;
	}
	return 0;
}

int vblk_read(struct vblk *b, uint64_t sector, void *const *pages, unsigned int nr_pages)
{
	return vblk_rw(b, VIRTIO_BLK_T_IN, sector, pages, (uint64_t)nr_pages * SECTORS_PER_PAGE);
}

int vblk_write(struct vblk *b, uint64_t sector, void *const *pages, unsigned int nr_pages)
{
	return vblk_rw(b, VIRTIO_BLK_T_OUT, sector, pages, (uint64_t)nr_pages * SECTORS_PER_PAGE);
}

int vblk_sectors(struct vblk *b, bool write, uint64_t sector, void *const *pages, unsigned int nr_pages,
		 uint32_t nr_sectors)
{
	if (nr_sectors > (uint64_t)nr_pages * SECTORS_PER_PAGE)
		return -1;
	return vblk_rw(b, write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, sector, pages, nr_sectors);
}

int vblk_flush(struct vblk *b)
{
	if (!b->flush)
		return -1;		/* the device does not say writes are durable after a flush */
	return vblk_do(b, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, 0);
}

int vblk_discard(struct vblk *b, uint64_t sector, uint64_t nr_sectors)
{
	/* The range goes in the header's page, after the header and status (64 bytes on: its own 16). */
	struct virtio_blk_discard *range = (struct virtio_blk_discard *)((uint8_t *)b->hdr + 64);
	uint64_t max = b->max_discard_sectors;

	if (!b->discard || b->read_only || !nr_sectors || sector > b->capacity || nr_sectors > b->capacity - sector)
		return -1;
	/* Each request but the last ends where the next may start: on the device's alignment. */
	if (b->discard_align > 1 && max > b->discard_align)
		max -= max % b->discard_align;
	while (nr_sectors) {
		uint32_t n = (uint32_t)(nr_sectors < max ? nr_sectors : max);
		struct virtq_seg segs[3] = { { vio_bus_addr(b->hdr), sizeof(*b->hdr), false },
					     { vio_bus_addr(range), sizeof(*range), false },
					     { vio_bus_addr(b->status), 1, true } };

		b->hdr->type = VIRTIO_BLK_T_DISCARD;
		b->hdr->reserved = 0;
		b->hdr->sector = 0;	/* unused for a discard: the range says where */
		*range = (struct virtio_blk_discard){ .sector = sector, .num_sectors = n, .flags = 0 };
		if (vblk_sync(b, segs, 3))
			return -1;
		sector += n;
		nr_sectors -= n;
	}
	return 0;
}

void vblk_req_init(struct vblk_req *reqs, unsigned int n, void *dma_page, void *const *tables)
{
	uint8_t *p = dma_page;

	/* 32 bytes each: the 16-byte header, then the status byte, never across the page. */
	for (unsigned int i = 0; i < n && i < VBLK_REQS_PER_PAGE; i++) {
		reqs[i].hdr = (struct virtio_blk_req_hdr *)(p + i * 32);
		reqs[i].status = p + i * 32 + sizeof(struct virtio_blk_req_hdr);
		reqs[i].table = tables ? tables[i] : NULL;
	}
}

/* The request's shape against what the device said it takes (seg_max, size_max), the disk's size and mode. */
static bool vblk_fits(const struct vblk *b, bool write, uint64_t sector, const struct virtq_seg *data, unsigned int n)
{
	uint64_t bytes = 0;

	if (n == 0 || n > b->seg_max || n > VBLK_MAX_SEGS || (write && b->read_only))
		return false;
	for (unsigned int i = 0; i < n; i++) {
		if (data[i].device_writes == write || data[i].len % VBLK_SECTOR || data[i].len == 0 ||
		    (b->size_max && data[i].len > b->size_max))
			return false;
		bytes += data[i].len;
	}
	return sector <= b->capacity && bytes / VBLK_SECTOR <= b->capacity - sector;
}

int vblk_start(struct vblk *b, struct vblk_req *r, bool write, uint64_t sector, const struct virtq_seg *data,
	       unsigned int n)
{
	struct virtq_seg segs[VBLK_MAX_SEGS + 2];
	bool indirect = b->indirect && r->table;

	if (!vblk_fits(b, write, sector, data, n) || (!indirect && n + 2 > b->q.size))
		return -1;
	if (b->q.num_free < (indirect ? 1 : n + 2))
		return 1;
	r->hdr->type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
	r->hdr->reserved = 0;
	r->hdr->sector = sector;
	*r->status = 0xff;		/* a value the device never writes: proves it answered */
	segs[0] = (struct virtq_seg){ vio_bus_addr(r->hdr), sizeof(*r->hdr), false };
	for (unsigned int i = 0; i < n; i++)
		segs[1 + i] = data[i];
	segs[1 + n] = (struct virtq_seg){ vio_bus_addr(r->status), 1, true };
	if (!indirect)
		return virtq_add(&b->q, segs, n + 2, r) < 0 ? -1 : 0;
	return virtq_add_indirect(&b->q, segs, n + 2, r, r->table, vio_bus_addr((const void *)r->table)) < 0 ? -1 : 0;
}

void vblk_kick(struct vblk *b)
{
	virtio_pci_notify(&b->pci, 0);
}

struct vblk_req *vblk_done(struct vblk *b, bool wait, bool *ok)
{
	void *cookie;
	uint32_t len;
	int r;

	for (;;) {
		r = virtq_get(&b->q, &cookie, &len);
		if (r > 0) {
			struct vblk_req *req = cookie;

			b->requests++;
			*ok = *(volatile uint8_t *)req->status == VIRTIO_BLK_S_OK;
			return req;
		}
		if (r < 0)
			continue;	/* a used entry not in flight (QEMU's bug): skipped */
		if (!wait)
			return NULL;
		if (b->irq) {
			vio_wait();
			b->interrupts_waited++;
		} else {
			__asm__ volatile("pause");
		}
	}
}
