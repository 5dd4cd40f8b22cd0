#!/usr/bin/env python3
"""Writes a previous-platform transaction export (cutover.md §1) of N history rows to stdout:
paid (92 %), failed (5 %) and refunded (3 %) payments at the three banks, spread over 30 days,
for the agency and partner that bench/cutover_import.sh configures."""
import csv
import sys
from datetime import datetime, timedelta

PARTNER, AGENCY = "BENCH_PARTNER", "000.00.12.H26"
BANKS = [("VCB", "0011001234567", "970436"), ("BIDV", "12010000123456", "970418"),
         ("VNPAY", "0011001234567", "970436")]


def main():
    n = int(sys.argv[1])
    start = datetime(2026, 4, 29, 7, 0, 0)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["MaDoiTac", "MaThamChieu", "MaHoSo", "MaDonVi", "MaTTHC", "SoTien", "Phi",
                  "LePhi", "KhoanKhac", "TrangThai", "MaNganHang", "MaThamChieuNH", "MaGiaoDich",
                  "ThoiGianTao", "ThoiGianThanhToan", "TKThuHuong", "MaNHThuHuong",
                  "HoTenNguoiNop"])
    for i in range(n):
        bank, account, bin_ = BANKS[i % 3]
        state = "that-bai" if i % 20 == 7 else "hoan-tien" if i % 33 == 5 else "thanh-cong"
        created = start + timedelta(seconds=i * 2)
        paid = created + timedelta(minutes=3)
        fee, charge = 100_000 + (i % 50) * 1_000, 50_000
        txn = "" if state == "that-bai" else f"T{i:010d}"
        out.writerow([PARTNER, f"R{i:09d}", f"{AGENCY}-{i:09d}", AGENCY, "1.001234",
                      fee + charge, fee, charge, "", state, bank, f"OLD{i:09d}", txn,
                      created.strftime("%Y%m%d%H%M%S"),
                      "" if state == "that-bai" else paid.strftime("%Y%m%d%H%M%S"),
                      account, bin_, "Nguyễn Văn An"])


if __name__ == "__main__":
    main()
