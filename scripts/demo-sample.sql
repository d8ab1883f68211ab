-- Sample schema for scripts/demo.sh: a small shop.
CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE shop;
CREATE TABLE customers (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  email VARCHAR(200),
  created DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB;
CREATE TABLE products (
  sku VARCHAR(20) PRIMARY KEY,
  title VARCHAR(200) NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  description TEXT,
  tags SET('new','sale','eco')
) ENGINE=InnoDB;
CREATE TABLE orders (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  customer_id INT NOT NULL,
  total DECIMAL(12,2) NOT NULL,
  placed TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  notes JSON
) ENGINE=InnoDB;
SET NAMES utf8mb4;
SET SESSION max_recursive_iterations= 100000;
CREATE TEMPORARY TABLE seq (seq INT PRIMARY KEY);
INSERT INTO seq WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 50000)
  SELECT n FROM s;
INSERT INTO customers (name, email)
  SELECT CONCAT('Customer ', seq), CONCAT('c', seq, '@example.com') FROM seq WHERE seq <= 2000;
INSERT INTO products
  SELECT CONCAT('SKU-', seq), CONCAT('Product ', seq, ' – ünïcødé'), seq * 0.99,
         REPEAT('A fine product. ', seq % 20), IF(seq % 3 = 0, 'sale', 'new')
  FROM seq WHERE seq <= 500;
INSERT INTO orders (customer_id, total, notes)
  SELECT 1 + seq % 2000, seq * 1.5, JSON_OBJECT('gift', seq % 7 = 0)
  FROM seq;
CREATE DATABASE warehouse CHARACTER SET latin1;
CREATE TABLE warehouse.stock (sku VARCHAR(20), bin INT, qty INT NOT NULL,
  PRIMARY KEY (sku, bin)) ENGINE=InnoDB;
INSERT INTO warehouse.stock SELECT CONCAT('SKU-', 1 + seq % 500), seq DIV 500, seq % 100
  FROM seq WHERE seq <= 5000;
