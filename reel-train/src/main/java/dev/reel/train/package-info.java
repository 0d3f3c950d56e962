/** Training: autograd ({@code dev.reel.train.autograd}), optimizers, trainers, data ({@code dev.reel.train.data}). */
package dev.reel.train;
